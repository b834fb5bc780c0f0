"""Payments and their allocation to charges."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import ScopedViewSet
from backend.scoping import get_visible_or_404
from billing import selectors
from billing.api._common import ADMINS, BILLING_READERS, create_for_patient
from billing.choices import PaymentMethod
from billing.models import Charge, Payment, PaymentAllocation
from billing.services import payments as payment_services


class AllocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentAllocation
        fields = ["charge", "amount"]


class PaymentSerializer(serializers.ModelSerializer):
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "patient",
            "method",
            "amount",
            "received_on",
            "reference",
            "note",
            "instalment",
            "allocations",
            "created_at",
        ]
        read_only_fields = fields


class PaymentCreateSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    received_on = serializers.DateField()
    reference = serializers.CharField(max_length=80, required=False, default="")
    note = serializers.CharField(max_length=200, required=False, default="")
    apply = serializers.BooleanField(default=True)


class AllocateSerializer(serializers.Serializer):
    charge = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Payments received, with how each was applied to charges."""

    serializer_class = PaymentSerializer
    filterset_fields = ["patient", "method"]
    read_roles = BILLING_READERS
    write_roles = ADMINS

    def get_queryset(self):
        return selectors.payment_list(user=self.request.user)

    @extend_schema(request=PaymentCreateSerializer, responses={201: PaymentSerializer})
    def create(self, request):
        return create_for_patient(
            self,
            request,
            payload_class=PaymentCreateSerializer,
            service=payment_services.payment_record,
            actor="recorded_by",
        )

    @extend_schema(request=AllocateSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        """Apply part of this payment to a chosen charge."""
        payment = self.get_object()
        payload = AllocateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        charge = get_visible_or_404(Charge, user=request.user, pk=payload.validated_data["charge"])
        payment_services.payment_allocate(
            payment=payment, charge=charge, amount=payload.validated_data["amount"]
        )
        return Response(PaymentSerializer(self.get_queryset().get(pk=payment.pk)).data)
