"""Ledger entries: the entry and manual-entry serializers, the clinic's ledger, reversals
and the dispensing/administration log (PDF, CSV)."""

import datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import IdField
from backend.pagination import KeysetPagination
from backend.roles import staff_for
from controlled import reports, selectors, services
from controlled.api._common import LedgerViewSet, _download, _staff
from controlled.choices import MANUAL_KIND_CHOICES
from controlled.errors import InvalidInput
from controlled.models import LedgerEntry


class EntrySerializer(serializers.ModelSerializer):
    lot_number = serializers.CharField(source="lot.lot_number", read_only=True)
    units = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    staff_name = serializers.CharField(source="staff.display_name", read_only=True)
    witness_name = serializers.CharField(
        source="witness.display_name", read_only=True, default=None
    )
    second_witness_name = serializers.CharField(
        source="second_witness.display_name", read_only=True, default=None
    )
    patient_name = serializers.SerializerMethodField(
        help_text="The patient's name for an admin or the patient's care team; null for "
        "anyone else, who reads `patient_reference`."
    )
    patient_reference = serializers.SerializerMethodField(
        help_text="The patient as the reader may see them: the name on the care team, "
        "else initials and record number."
    )
    reversed_by = serializers.PrimaryKeyRelatedField(read_only=True)
    recorded_by_name = serializers.CharField(source="recorded_by.display_name", read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "lot",
            "lot_number",
            "seq",
            "kind",
            "quantity_mg",
            "units",
            "balance_after_mg",
            "occurred_at",
            "staff",
            "staff_name",
            "witness",
            "witness_name",
            "second_witness",
            "second_witness_name",
            "patient",
            "patient_name",
            "patient_reference",
            "dosing_record",
            "drawn_mg",
            "reverses",
            "reversed_by",
            "invoice_number",
            "reason",
            "method",
            "counterparty_name",
            "counterparty_address",
            "counterparty_dea_number",
            "reference",
            "recorded_by_name",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_patient_name(self, entry) -> str | None:
        if entry.patient is None or not getattr(entry, "patient_named", False):
            return None
        return entry.patient.full_name

    def get_patient_reference(self, entry) -> str | None:
        return selectors.patient_reference(entry) or None


class EntryRecordSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MANUAL_KIND_CHOICES)
    quantity_mg = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="Milligrams out of the lot (positive); signed for an adjustment.",
    )
    occurred_at = serializers.DateTimeField(required=False)
    witness_id = serializers.IntegerField(required=False, allow_null=True)
    witness_password = serializers.CharField(
        required=False, default="", trim_whitespace=False, write_only=True
    )
    second_witness_id = serializers.IntegerField(required=False, allow_null=True)
    second_witness_password = serializers.CharField(
        required=False, default="", trim_whitespace=False, write_only=True
    )
    dosing_record_id = serializers.IntegerField(required=False, allow_null=True)
    drawn_mg = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=(
            "Waste of a dose: what was drawn for it, stated once when the administration did "
            "not record it."
        ),
    )
    reason = serializers.CharField(required=False, default="", allow_blank=True)
    method = serializers.CharField(required=False, default="", allow_blank=True)
    counterparty_name = serializers.CharField(required=False, default="", allow_blank=True)
    counterparty_address = serializers.CharField(required=False, default="", allow_blank=True)
    counterparty_dea_number = serializers.CharField(required=False, default="", allow_blank=True)
    reference = serializers.CharField(required=False, default="", allow_blank=True)


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField()
    witness_id = IdField()
    witness_password = serializers.CharField(trim_whitespace=False, write_only=True)


class LogQuerySerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class EntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, LedgerViewSet):
    """Every ledger entry of the clinic; reverse a mistaken one; the administration log."""

    queryset = LedgerEntry.objects.all()
    serializer_class = EntrySerializer
    filterset_fields = {
        "lot": ["exact"],
        "kind": ["exact"],
        "dosing_record": ["exact"],
        "occurred_at": ["gte", "lt"],
    }
    ordering = ["-occurred_at", "-id"]
    ordering_fields = ["occurred_at"]
    pagination_class = KeysetPagination

    def get_queryset(self):
        return selectors.entry_list(user=self.request.user).order_by("-occurred_at", "-id")

    @extend_schema(request=ReverseSerializer, responses={201: EntrySerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Correct an entry with a witnessed reversing entry that references it."""
        entry = self.get_object()
        payload = ReverseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        witness = _staff(self.actor, data.pop("witness_id"), field="witness_id")
        reversal = services.entry_reverse(
            entry=entry, staff=staff_for(self.request.user), witness=witness, **data
        )
        reversal = selectors.entry_list(user=request.user).get(pk=reversal.pk)
        return Response(EntrySerializer(reversal).data, status=status.HTTP_201_CREATED)

    def _log_range(self, request):
        query = LogQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["start"], query.validated_data["end"]
        if end < start:
            raise InvalidInput("The end of the period is before its start.")
        if (end - start) > datetime.timedelta(days=3 * 366):
            raise InvalidInput("Print at most three years at a time.")
        return start, end

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True),
        ],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"], url_path="log-pdf")
    def log_pdf(self, request):
        """The dispensing/administration log (21 CFR 1304.22(c)) for a period, as PDF."""
        start, end = self._log_range(request)
        pdf = reports.administration_log_pdf(
            clinic=staff_for(self.request.user).clinic, start=start, end=end, user=request.user
        )
        return _download(pdf, "application/pdf", f"controlled-log-{start}-{end}.pdf")

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True),
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    @action(detail=False, methods=["get"], url_path="log-csv")
    def log_csv(self, request):
        """The same log as CSV, one row per ledger entry."""
        start, end = self._log_range(request)
        text = reports.administration_log_csv(
            clinic=staff_for(self.request.user).clinic, start=start, end=end, user=request.user
        )
        return _download(text, "text/csv; charset=utf-8", f"controlled-log-{start}-{end}.csv")
