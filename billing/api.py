"""Billing API: charges (review and approve), packages, payments, superbills and their PDFs.

Admins of the clinic read and write; a patient reads their own approved charges, payments
and superbills (another patient's id answers 404). Clinicians have no billing access.
"""

from decimal import Decimal

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import ScopedViewSet
from backend.roles import ADMIN, PATIENT, staff_for
from backend.scoping import get_visible_or_404
from billing import selectors
from billing.choices import PaymentMethod
from billing.models import Charge, Package, Payment, PaymentAllocation, Superbill
from billing.services import catalogue as catalogue_services
from billing.services import charges as charge_services
from billing.services import payments as payment_services
from billing.services import superbills as superbill_services
from practice.choices import SessionKind
from practice.models import Patient, Session, StaffMember
from scheduling.models import Enrollment

BILLING_READERS = frozenset({ADMIN, PATIENT})
ADMINS = frozenset({ADMIN})


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
            "approved_at",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = fields


class ChargeCreateSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    code = serializers.CharField(max_length=5)
    date_of_service = serializers.DateField()
    rendering_provider = serializers.IntegerField()
    diagnosis_pointers = serializers.ListField(child=serializers.IntegerField(), max_length=4)
    units = serializers.IntegerField(min_value=1, default=1)
    modifiers = serializers.ListField(
        child=serializers.CharField(max_length=2), max_length=4, required=False
    )
    place_of_service = serializers.CharField(max_length=2, required=False)
    session = serializers.IntegerField(required=False)
    note = serializers.CharField(max_length=200, required=False, default="")


class ChargeUpdateSerializer(serializers.Serializer):
    units = serializers.IntegerField(min_value=1, required=False)
    modifiers = serializers.ListField(child=serializers.CharField(), required=False)
    diagnosis_pointers = serializers.ListField(child=serializers.IntegerField(), required=False)
    place_of_service = serializers.CharField(max_length=2, required=False)
    date_of_service = serializers.DateField(required=False)
    note = serializers.CharField(max_length=200, required=False)


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
        payload = ChargeUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        charge = charge_services.charge_update(charge=self.get_object(), **payload.validated_data)
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
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        charge = charge_services.charge_void(charge=self.get_object(), **payload.validated_data)
        return Response(ChargeSerializer(charge).data)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def suggest(self, request):
        """Suggest charges for the clinic's completed sessions that have none."""
        count = charge_services.charges_suggest_pending(clinic_id=self.actor.clinic_id)
        return Response({"suggested": count})


class PackageSerializer(serializers.ModelSerializer):
    used = serializers.IntegerField(read_only=True, help_text="Sessions charged to it so far.")

    class Meta:
        model = Package
        fields = [
            "id",
            "patient",
            "kind",
            "name",
            "price",
            "sessions_included",
            "used",
            "session_kind",
            "starts_on",
            "ends_on",
            "retreat",
            "created_at",
        ]
        read_only_fields = fields


class PackageCreateSerializer(serializers.Serializer):
    """A prepaid package (name, price, sessions…) or, with `enrollment`, a retreat package
    priced at the retreat's price unless `price` is given."""

    patient = serializers.IntegerField(required=False)
    enrollment = serializers.IntegerField(required=False)
    name = serializers.CharField(max_length=120, required=False)
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0"), required=False
    )
    sessions_included = serializers.IntegerField(min_value=1, max_value=100, required=False)
    session_kind = serializers.ChoiceField(
        choices=SessionKind.choices, required=False, allow_blank=True, default=""
    )
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, data):
        if "enrollment" in data:
            return data
        missing = [f for f in ("patient", "name", "price", "sessions_included") if f not in data]
        if missing:
            raise serializers.ValidationError(
                {f: ["This field is required for a prepaid package."] for f in missing}
            )
        return data


class PackageFilter(django_filters.FilterSet):
    class Meta:
        model = Package
        fields = ["patient", "kind", "retreat"]


class PackageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """What a patient pays instead of standard fees: prepaid packages and retreat packages,
    each with how many of its sessions are used."""

    serializer_class = PackageSerializer
    filterset_class = PackageFilter
    read_roles = BILLING_READERS
    write_roles = ADMINS

    def get_queryset(self):
        return selectors.package_list(user=self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=PackageCreateSerializer, responses={201: PackageSerializer})
    def create(self, request):
        payload = PackageCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        staff = staff_for(request.user)
        if "enrollment" in data:
            enrollment = get_visible_or_404(Enrollment, user=request.user, pk=data["enrollment"])
            package = catalogue_services.retreat_package_create(
                enrollment=enrollment, price=data.get("price"), created_by=staff
            )
        else:
            data.pop("enrollment", None)
            data["patient"] = get_visible_or_404(Patient, user=request.user, pk=data["patient"])
            package = catalogue_services.package_create(created_by=staff, **data)
        package = self.get_queryset().get(pk=package.pk)
        return Response(PackageSerializer(package).data, status=status.HTTP_201_CREATED)


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
        payload = PaymentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data["patient"] = get_visible_or_404(Patient, user=request.user, pk=data["patient"])
        payment = payment_services.payment_record(recorded_by=staff_for(request.user), **data)
        payment = self.get_queryset().get(pk=payment.pk)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

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


class SuperbillSerializer(serializers.ModelSerializer):
    pdf_url = serializers.SerializerMethodField()
    charges = serializers.SerializerMethodField()

    class Meta:
        model = Superbill
        fields = [
            "id",
            "number",
            "patient",
            "period_start",
            "period_end",
            "status",
            "issued_at",
            "total_charged",
            "total_paid",
            "balance",
            "pdf_sha256",
            "pdf_url",
            "charges",
            "replaces",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = fields

    def get_pdf_url(self, superbill) -> str:
        return f"/api/v1/superbills/{superbill.pk}/pdf/"

    def get_charges(self, superbill) -> list[int]:
        return [line.charge_id for line in superbill.lines.all()]


class SuperbillIssueSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
    charge_ids = serializers.ListField(child=serializers.IntegerField(), required=False)


class SuperbillViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Issued superbills. Issuing refuses with `missing`: the list of what to fix."""

    serializer_class = SuperbillSerializer
    filterset_fields = ["patient", "status"]
    read_roles = BILLING_READERS
    write_roles = ADMINS

    def get_queryset(self):
        return selectors.superbill_list(user=self.request.user).prefetch_related("lines")

    @extend_schema(
        request=SuperbillIssueSerializer,
        responses={201: SuperbillSerializer, 409: OpenApiResponse(description="What is missing")},
    )
    def create(self, request):
        payload = SuperbillIssueSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data["patient"] = get_visible_or_404(Patient, user=request.user, pk=data["patient"])
        superbill = superbill_services.superbill_issue(issued_by=staff_for(request.user), **data)
        superbill = self.get_queryset().get(pk=superbill.pk)
        return Response(SuperbillSerializer(superbill).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses=SuperbillSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Void an issued superbill (its number is never reused)."""
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        superbill = superbill_services.superbill_void(
            superbill=self.get_object(),
            voided_by=staff_for(request.user),
            **payload.validated_data,
        )
        return Response(SuperbillSerializer(self.get_queryset().get(pk=superbill.pk)).data)

    @extend_schema(request=ReasonSerializer, responses={201: SuperbillSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """Void this superbill and issue a new number for the same charges."""
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        superbill = superbill_services.superbill_correct(
            superbill=self.get_object(),
            corrected_by=staff_for(request.user),
            **payload.validated_data,
        )
        return Response(
            SuperbillSerializer(self.get_queryset().get(pk=superbill.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The issued PDF, exactly as issued (checked against its SHA-256)."""
        superbill = self.get_object()  # audited access
        data = superbill_services.superbill_pdf_bytes(superbill=superbill)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{superbill.number}.pdf"'
        return response


def register_routes(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("charges", ChargeViewSet, basename="charge")
    router.register("packages", PackageViewSet, basename="package")
    router.register("payments", PaymentViewSet, basename="payment")
    router.register("superbills", SuperbillViewSet, basename="superbill")
