"""Payments and their allocation to charges."""

from decimal import Decimal

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import IdField, ScopedViewSet
from backend.roles import staff_for
from backend.scoping import get_visible_or_404
from billing import selectors, stripe_gateway
from billing.api._common import ADMINS, BILLING_READERS, create_for_patient
from billing.choices import PaymentMethod
from billing.models import Charge, Payment, PaymentAllocation, Refund
from billing.services import cards as card_services
from billing.services import payments as payment_services
from practice.models import Patient


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
            "refunded",
            "allocations",
            "created_at",
        ]
        read_only_fields = fields


class PaymentCreateSerializer(serializers.Serializer):
    patient = IdField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    received_on = serializers.DateField()
    reference = serializers.CharField(max_length=80, required=False, default="")
    note = serializers.CharField(max_length=200, required=False, default="")
    apply = serializers.BooleanField(default=True)


class AllocateSerializer(serializers.Serializer):
    charge = IdField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)


class RefundRequestSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    reason = serializers.CharField(max_length=200, required=False, default="")


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ["id", "payment", "amount", "status", "reason", "created_at", "succeeded_at"]
        read_only_fields = fields


class CardCheckoutRequestSerializer(serializers.Serializer):
    patient = IdField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))


class CardCheckoutSerializer(serializers.Serializer):
    card_payment = serializers.IntegerField(help_text="The request's id; its payment follows.")
    checkout_url = serializers.URLField(help_text="Stripe's hosted page to take the card on.")


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

    def _require_cards(self):
        if not stripe_gateway.configured():
            raise Http404

    @extend_schema(request=RefundRequestSerializer, responses={201: RefundSerializer})
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        """Refund part or all of a card payment through Stripe (pending until its webhook
        confirms it). Refused beyond what the payment paid less refunds made or pending."""
        self._require_cards()
        payment = self.get_object()
        payload = RefundRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        refund = card_services.refund_request(
            payment=payment, requested_by=staff_for(request.user), **payload.validated_data
        )
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CardCheckoutRequestSerializer, responses={201: CardCheckoutSerializer})
    @action(detail=False, methods=["post"], url_path="card-checkout")
    def card_checkout(self, request):
        """Open a Stripe Checkout page to take a card payment of at most the patient's open
        balance (the front desk); the payment is recorded when Stripe confirms it."""
        self._require_cards()
        payload = CardCheckoutRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        patient = get_visible_or_404(
            Patient, user=request.user, pk=payload.validated_data["patient"]
        )
        success, cancel = card_services.return_urls(
            path=reverse("billing:ledger", args=[patient.pk])
        )
        made = card_services.card_checkout_start(
            patient=patient,
            amount=payload.validated_data["amount"],
            requested_by=staff_for(request.user),
            success_url=success,
            cancel_url=cancel,
        )
        data = {"card_payment": made.pk, "checkout_url": made.checkout_url}
        return Response(CardCheckoutSerializer(data).data, status=status.HTTP_201_CREATED)
