"""Prepaid packages of sessions."""

from decimal import Decimal

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from backend.api import IdField, ScopedViewSet
from backend.roles import staff_for
from backend.scoping import get_visible_or_404
from billing import selectors
from billing.api._common import ADMINS, BILLING_READERS
from billing.models import Package
from billing.services import catalogue as catalogue_services
from practice.choices import SessionKind
from practice.models import Patient
from scheduling.models import Enrollment


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

    patient = IdField(required=False)
    enrollment = IdField(required=False)
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
