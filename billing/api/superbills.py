"""Superbills: issuing, voiding and their PDFs."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import IdField, ScopedViewSet
from backend.roles import staff_for
from billing import selectors
from billing.api._common import ADMINS, BILLING_READERS, create_for_patient
from billing.api.charges import ReasonSerializer
from billing.models import Superbill
from billing.services import superbills as superbill_services


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
    patient = IdField()
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
    charge_ids = serializers.ListField(child=IdField(), required=False)


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
        return create_for_patient(
            self,
            request,
            payload_class=SuperbillIssueSerializer,
            service=superbill_services.superbill_issue,
            actor="issued_by",
        )

    @extend_schema(request=ReasonSerializer, responses=SuperbillSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Void an issued superbill (its number is never reused)."""
        superbill = self.get_object()  # out of reach: 404 before any word on the body
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        superbill = superbill_services.superbill_void(
            superbill=superbill,
            voided_by=staff_for(request.user),
            **payload.validated_data,
        )
        return Response(SuperbillSerializer(self.get_queryset().get(pk=superbill.pk)).data)

    @extend_schema(request=ReasonSerializer, responses={201: SuperbillSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """Void this superbill and issue a new number for the same charges."""
        superbill = self.get_object()  # out of reach: 404 before any word on the body
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        superbill = superbill_services.superbill_correct(
            superbill=superbill,
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
