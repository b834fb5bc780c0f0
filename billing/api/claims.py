"""Good Faith Estimates (admins issue; the patient reads and downloads their own) and
insurance claims (admins only): CMS-1500 PDFs, 837P batches and 835 imports."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import IdField, ScopedViewSet
from backend.roles import staff_for
from backend.scoping import get_visible_or_404
from billing import selectors
from billing.api._common import ADMINS, BILLING_READERS, create_for_patient
from billing.choices import ClaimStatus
from billing.models import Claim, GoodFaithEstimate
from billing.services import claims as claim_services
from billing.services import estimates as estimate_services
from practice.models import TreatmentPlan


class EstimateSerializer(serializers.ModelSerializer):
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = GoodFaithEstimate
        fields = [
            "id",
            "patient",
            "plan",
            "version",
            "issued_at",
            "period_start",
            "period_end",
            "items",
            "diagnosis_codes",
            "total",
            "self_pay_requested",
            "superseded_by",
            "pdf_sha256",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_pdf_url(self, estimate) -> str:
        return f"/api/v1/estimates/{estimate.pk}/pdf/"


class EstimateIssueSerializer(serializers.Serializer):
    plan = IdField()
    self_pay = serializers.BooleanField(required=False, default=False)


class EstimateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Good Faith Estimates. Issuing refuses with `missing` (an insured patient who has not
    asked to pay themselves, a missing price or practice identifier)."""

    serializer_class = EstimateSerializer
    filterset_fields = ["patient", "plan"]
    read_roles = BILLING_READERS
    write_roles = ADMINS

    def get_queryset(self):
        return selectors.estimate_list(user=self.request.user)

    @extend_schema(
        request=EstimateIssueSerializer,
        responses={201: EstimateSerializer, 409: OpenApiResponse(description="What is missing")},
    )
    def create(self, request):
        payload = EstimateIssueSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        plan = get_visible_or_404(TreatmentPlan, user=request.user, pk=payload.data["plan"])
        estimate = estimate_services.estimate_issue(
            plan=plan, issued_by=staff_for(request.user), self_pay=payload.data["self_pay"]
        )
        return Response(
            EstimateSerializer(self.get_queryset().get(pk=estimate.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The estimate's PDF exactly as issued (checked against its SHA-256)."""
        estimate = self.get_object()
        data = estimate_services.estimate_pdf_bytes(estimate=estimate)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="good-faith-estimate-v{estimate.version}.pdf"'
        )
        return response


class ClaimSerializer(serializers.ModelSerializer):
    charges = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "patient",
            "status",
            "payer_name",
            "payer_id",
            "subscriber_id",
            "control_number",
            "total_charge",
            "paid_amount",
            "payer_claim_number",
            "is_resubmission",
            "batch",
            "submitted_at",
            "history",
            "charges",
        ]
        read_only_fields = fields

    def get_charges(self, claim) -> list[int]:
        return [line.charge_id for line in claim.lines.all()]


class ClaimCreateSerializer(serializers.Serializer):
    patient = IdField()
    charge_ids = serializers.ListField(child=IdField(), min_length=1)
    payer_id = serializers.CharField(max_length=80, allow_blank=True, required=False, default="")


class ClaimStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    note = serializers.CharField(max_length=200, required=False, default="")


class ClaimResubmitSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, help_text="What was corrected.")


class ClaimBatchSerializer(serializers.Serializer):
    claims = serializers.ListField(child=IdField(), min_length=1)


class RemittanceSerializer(serializers.Serializer):
    file = serializers.CharField(help_text="The 835 remittance, as text.")


class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Insurance claims. Making one refuses with `missing`: every required element absent."""

    serializer_class = ClaimSerializer
    filterset_fields = ["patient", "status"]
    read_roles = ADMINS
    write_roles = ADMINS

    def get_queryset(self):
        return selectors.claim_list(user=self.request.user).prefetch_related("lines")

    @extend_schema(
        request=ClaimCreateSerializer,
        responses={201: ClaimSerializer, 409: OpenApiResponse(description="What is missing")},
    )
    def create(self, request):
        return create_for_patient(
            self,
            request,
            payload_class=ClaimCreateSerializer,
            service=claim_services.claim_create,
            actor="created_by",
        )

    @extend_schema(request=ClaimStatusSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request, pk=None):
        """Record a status by hand (submitted, paid, partly paid, denied)."""
        claim = self.get_object()
        payload = ClaimStatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        claim = claim_services.claim_set_status(
            claim=claim, by=staff_for(request.user), **payload.validated_data
        )
        return Response(ClaimSerializer(self.get_queryset().get(pk=claim.pk)).data)

    @extend_schema(request=ClaimResubmitSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        """Put a denied claim back to draft, with a note, to be corrected and batched again."""
        claim = self.get_object()
        payload = ClaimResubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        claim = claim_services.claim_resubmit(
            claim=claim, by=staff_for(request.user), **payload.validated_data
        )
        return Response(ClaimSerializer(self.get_queryset().get(pk=claim.pk)).data)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def cms1500(self, request, pk=None):
        """The claim as a CMS-1500 (02/12) form."""
        claim = self.get_object()
        response = HttpResponse(
            claim_services.claim_cms1500_pdf(claim=claim), content_type="application/pdf"
        )
        response["Content-Disposition"] = 'attachment; filename="cms1500.pdf"'
        return response

    @extend_schema(request=ClaimBatchSerializer, responses={(201, "text/plain"): OpenApiTypes.STR})
    @action(detail=False, methods=["post"])
    def batch(self, request):
        """An 837P (005010X222A1) file for the chosen draft claims, which become submitted."""
        payload = ClaimBatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        claims = list(self.get_queryset().filter(pk__in=payload.data["claims"]))
        if len(claims) != len(set(payload.data["claims"])):
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        batch = claim_services.claim_batch_create(claims=claims, created_by=staff_for(request.user))
        response = HttpResponse(batch.x12, content_type="text/plain", status=201)
        response["Content-Disposition"] = (
            f'attachment; filename="837p-{batch.control_number:09d}.txt"'
        )
        return response

    @extend_schema(request=RemittanceSerializer, responses={201: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def remittance(self, request):
        """Import an 835: posts insurance payments and adjustments, sets claim statuses.
        The same file twice posts nothing the second time."""
        payload = RemittanceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        staff = staff_for(request.user)
        remittance = claim_services.remittance_import(
            clinic=staff.clinic, text=payload.data["file"], imported_by=staff
        )
        return Response(
            {
                "id": remittance.pk,
                "trace_number": remittance.trace_number,
                "total_paid": str(remittance.total_paid),
                "paid_on": remittance.paid_on,
            },
            status=status.HTTP_201_CREATED,
        )
