"""Charges: the admin's review queue, suggesting, editing, approving and voiding."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import IdField, ScopedViewSet
from backend.pagination import KeysetPagination
from backend.roles import staff_for
from backend.scoping import get_visible_or_404
from billing import selectors
from billing.api._common import ADMINS, BILLING_READERS
from billing.choices import DrugUnit
from billing.models import Charge
from billing.services import charges as charge_services
from practice.models import Patient, Session, StaffMember


class ChargeSerializer(serializers.ModelSerializer):
    rendering_provider_name = serializers.CharField(
        source="rendering_provider.display_name", read_only=True
    )

    class Meta:
        model = Charge
        fields = [
            "id",
            "patient",
            "session",
            "code",
            "description",
            "date_of_service",
            "place_of_service",
            "modifiers",
            "units",
            "unit_fee",
            "discount",
            "amount",
            "package",
            "rendering_provider",
            "rendering_provider_name",
            "diagnosis_pointers",
            "status",
            "note",
            "ndc",
            "drug_quantity",
            "drug_unit",
            "drug_dose_mg",
            "approved_at",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = fields


class ChargeCreateSerializer(serializers.Serializer):
    patient = IdField()
    code = serializers.CharField(max_length=5)
    date_of_service = serializers.DateField()
    rendering_provider = IdField()
    diagnosis_pointers = serializers.ListField(child=serializers.IntegerField(), max_length=4)
    units = serializers.IntegerField(min_value=1, default=1)
    modifiers = serializers.ListField(
        child=serializers.CharField(max_length=2), max_length=4, required=False
    )
    place_of_service = serializers.CharField(max_length=2, required=False)
    session = IdField(required=False)
    note = serializers.CharField(max_length=200, required=False, default="")


class ChargeUpdateSerializer(serializers.Serializer):
    units = serializers.IntegerField(min_value=1, required=False)
    modifiers = serializers.ListField(child=serializers.CharField(), required=False)
    diagnosis_pointers = serializers.ListField(child=serializers.IntegerField(), required=False)
    place_of_service = serializers.CharField(max_length=2, required=False)
    date_of_service = serializers.DateField(required=False)
    note = serializers.CharField(max_length=200, required=False)
    # The drug of a J-code line typed by hand (an NDC in any labelled shape; '' clears it).
    ndc = serializers.CharField(max_length=14, required=False, allow_blank=True)
    drug_quantity = serializers.DecimalField(
        max_digits=9, decimal_places=3, required=False, allow_null=True
    )
    drug_unit = serializers.ChoiceField(choices=DrugUnit.choices, required=False, allow_blank=True)
    drug_dose_mg = serializers.DecimalField(
        max_digits=8, decimal_places=3, required=False, allow_null=True
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ChargeFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="date_of_service", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date_of_service", lookup_expr="lte")

    class Meta:
        model = Charge
        fields = ["patient", "status", "session", "code", "date_from", "date_to"]


class ChargeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """Charges; `status=suggested` is the admin's review queue."""

    serializer_class = ChargeSerializer
    filterset_class = ChargeFilter
    ordering_fields = ["date_of_service", "amount"]
    ordering = ["date_of_service", "id"]
    pagination_class = KeysetPagination
    read_roles = BILLING_READERS
    write_roles = ADMINS
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.charge_list(user=self.request.user)

    @extend_schema(request=ChargeCreateSerializer, responses={201: ChargeSerializer})
    def create(self, request):
        payload = ChargeCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        clinic_id = self.actor.clinic_id
        data["patient"] = get_visible_or_404(Patient, user=request.user, pk=data["patient"])
        data["rendering_provider"] = get_object_or_404(
            StaffMember.objects.for_clinic(clinic_id), pk=data["rendering_provider"]
        )
        if "session" in data:
            data["session"] = get_visible_or_404(Session, user=request.user, pk=data["session"])
        charge = charge_services.charge_create(approved_by=staff_for(request.user), **data)
        return Response(ChargeSerializer(charge).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ChargeUpdateSerializer, responses=ChargeSerializer)
    def partial_update(self, request, pk=None):
        charge = self.get_object()  # out of reach: 404 before any word on the body
        payload = ChargeUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        charge = charge_services.charge_update(charge=charge, **payload.validated_data)
        return Response(ChargeSerializer(charge).data)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses=ChargeSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a suggested charge for billing."""
        charge = charge_services.charge_approve(
            charge=self.get_object(), approved_by=staff_for(request.user)
        )
        return Response(ChargeSerializer(charge).data)

    @extend_schema(request=ReasonSerializer, responses=ChargeSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Withdraw a charge (refused once it is on an issued superbill)."""
        charge = self.get_object()  # out of reach: 404 before any word on the body
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        charge = charge_services.charge_void(charge=charge, **payload.validated_data)
        return Response(ChargeSerializer(charge).data)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def suggest(self, request):
        """Suggest charges for the clinic's completed sessions that have none."""
        count = charge_services.charges_suggest_pending(clinic_id=self.actor.clinic_id)
        return Response({"suggested": count})
