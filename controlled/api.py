"""Controlled-substance API under /api/v1/controlled/: products, lots and their ledger,
manual entries and reversals, counts, inventories and the reports. Admins and medical
staff only; everything scoped to their clinic; thin: every write is a service call."""

import datetime

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import ScopedViewSet
from backend.roles import staff_for
from backend.scoping import get_visible_or_404
from controlled import reports, selectors, services
from controlled.choices import MANUAL_KIND_CHOICES, InventoryKind, TimeOfDay
from controlled.errors import InvalidInput
from controlled.models import (
    LEDGER_ROLES,
    Inventory,
    LedgerEntry,
    LossNotice,
    Lot,
    PhysicalCount,
    Product,
)
from practice.models import Clinic, DosingRecord, StaffMember

MG_FIELD = {"max_digits": 12, "decimal_places": 2}


def _staff(actor, pk, *, field: str) -> StaffMember | None:
    """A staff member of the requester's clinic by id (None if not given), else 400."""
    if pk is None:
        return None
    staff = StaffMember.objects.for_clinic(actor.clinic_id).select_related("user").filter(pk=pk)
    found = staff.first()
    if found is None:
        raise serializers.ValidationError({field: ["No staff member of this clinic has this id."]})
    return found


class LedgerViewSet(ScopedViewSet):
    read_roles = LEDGER_ROLES
    write_roles = LEDGER_ROLES


class ProductSerializer(serializers.ModelSerializer):
    mg_per_container = serializers.DecimalField(**MG_FIELD, read_only=True)
    unit = serializers.CharField(source="unit_label", read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "substance",
            "name",
            "form",
            "strength_mg",
            "units_per_container",
            "unit",
            "mg_per_container",
            "schedule",
            "ndc",
            "is_active",
        ]
        read_only_fields = ["id", "is_active"]


class ProductViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, LedgerViewSet
):
    """Products the clinic stocks (substance, form, strength, container, schedule)."""

    queryset = Product.objects.all()
    serializer_class = ProductSerializer

    def perform_create(self, serializer):
        serializer.instance = services.product_create(
            clinic=staff_for(self.request.user).clinic, **serializer.validated_data
        )


class LotSerializer(serializers.ModelSerializer):
    product = ProductSerializer(read_only=True)
    balance_mg = serializers.DecimalField(**MG_FIELD, read_only=True)
    balance_units = serializers.SerializerMethodField()
    expired = serializers.SerializerMethodField()

    class Meta:
        model = Lot
        fields = [
            "id",
            "product",
            "lot_number",
            "expires_on",
            "expired",
            "supplier_name",
            "supplier_address",
            "supplier_dea_number",
            "containers_received",
            "balance_mg",
            "balance_units",
            "created_at",
        ]

    def get_balance_units(self, lot) -> str:
        return str(lot.product.units_for(lot.balance_mg))

    def get_expired(self, lot) -> bool:
        # Today in the clinic's time zone, looked up once per response, not once per lot.
        if "clinic_today" not in self.context:
            self.context["clinic_today"] = Clinic.today_of(lot.clinic_id)
        return lot.is_expired(self.context["clinic_today"])


class LotReceiveSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    lot_number = serializers.CharField(max_length=40)
    expires_on = serializers.DateField()
    supplier_name = serializers.CharField(max_length=200)
    supplier_address = serializers.CharField()
    supplier_dea_number = serializers.CharField(max_length=12)
    containers_received = serializers.IntegerField(min_value=1)
    invoice_number = serializers.CharField(max_length=60)
    received_at = serializers.DateTimeField(required=False)
    reference = serializers.CharField(max_length=60, required=False, default="")


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
    patient_name = serializers.CharField(source="patient.full_name", read_only=True, default=None)
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


class CountRecordSerializer(serializers.Serializer):
    counted_units = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, help_text="mL or units on the shelf."
    )
    second_counter_id = serializers.IntegerField()
    second_counter_password = serializers.CharField(trim_whitespace=False, write_only=True)
    note = serializers.CharField(required=False, default="", allow_blank=True)


class CountSerializer(serializers.ModelSerializer):
    lot_number = serializers.CharField(source="lot.lot_number", read_only=True)
    product = serializers.CharField(source="lot.product.name", read_only=True)
    discrepancy_mg = serializers.DecimalField(**MG_FIELD, read_only=True)
    counted_by_name = serializers.CharField(source="counted_by.display_name", read_only=True)
    second_counter_name = serializers.CharField(
        source="second_counter.display_name", read_only=True
    )

    class Meta:
        model = PhysicalCount
        fields = [
            "id",
            "lot",
            "lot_number",
            "product",
            "inventory",
            "counted_at",
            "counted_units",
            "counted_mg",
            "ledger_balance_mg",
            "discrepancy_mg",
            "status",
            "counted_by_name",
            "second_counter_name",
            "note",
            "explanation",
            "resolved_by",
            "resolved_at",
            "adjustment",
        ]
        read_only_fields = fields


class LotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, LedgerViewSet):
    """Lots with their balance (the sum of their ledger entries); receive a lot; its ledger;
    record waste, loss, theft, return, transfer, destruction or adjustment (witnessed);
    record a count."""

    queryset = Lot.objects.all()
    serializer_class = LotSerializer
    filterset_fields = ["product"]

    def get_queryset(self):
        return selectors.lot_list(user=self.request.user)

    @extend_schema(request=LotReceiveSerializer, responses={201: LotSerializer})
    def create(self, request):
        """Receive a lot: creates the lot and its receipt entry."""
        payload = LotReceiveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        product = get_visible_or_404(Product, user=request.user, pk=data.pop("product_id"))
        lot = services.lot_receive(
            product=product, received_by=staff_for(self.request.user), **data
        )
        lot = selectors.lot_get(user=request.user, pk=lot.pk)
        return Response(LotSerializer(lot).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=EntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def entries(self, request, pk=None):
        """The lot's ledger, line by line, with the running balance."""
        lot = self.get_object()
        page = self.paginate_queryset(selectors.entry_list(user=request.user, lot=lot))
        return self.get_paginated_response(EntrySerializer(page, many=True).data)

    @extend_schema(request=EntryRecordSerializer, responses={201: EntrySerializer})
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Record waste, loss/breakage, theft, return, transfer, destruction or an adjustment.

        Every one needs a witness (`witness_id`, `witness_password`; destruction a second
        one too); a loss, theft or adjustment down notifies the clinic's admins and medical
        staff."""
        lot = self.get_object()
        payload = EntryRecordSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data["witness"] = _staff(self.actor, data.pop("witness_id", None), field="witness_id")
        data["second_witness"] = _staff(
            self.actor, data.pop("second_witness_id", None), field="second_witness_id"
        )
        dosing_id = data.pop("dosing_record_id", None)
        if dosing_id is not None:
            data["dosing_record"] = get_visible_or_404(
                DosingRecord, user=request.user, pk=dosing_id
            )
        entry = services.entry_record(lot=lot, staff=staff_for(self.request.user), **data)
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CountRecordSerializer, responses={201: CountSerializer})
    @action(detail=True, methods=["post"])
    def count(self, request, pk=None):
        """Record a physical count by two staff; a difference opens a discrepancy."""
        lot = self.get_object()
        payload = CountRecordSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        second = _staff(self.actor, data.pop("second_counter_id"), field="second_counter_id")
        count = services.count_record(
            lot=lot, counted_by=staff_for(self.request.user), second_counter=second, **data
        )
        return Response(CountSerializer(count).data, status=status.HTTP_201_CREATED)


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField()
    witness_id = serializers.IntegerField()
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
            clinic=staff_for(self.request.user).clinic, start=start, end=end
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
            clinic=staff_for(self.request.user).clinic, start=start, end=end
        )
        return _download(text, "text/csv; charset=utf-8", f"controlled-log-{start}-{end}.csv")


def _download(body, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ResolveSerializer(serializers.Serializer):
    explanation = serializers.CharField()
    adjust = serializers.BooleanField(default=False)
    witness_id = serializers.IntegerField(required=False, allow_null=True)
    witness_password = serializers.CharField(
        required=False, default="", trim_whitespace=False, write_only=True
    )


class CountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, LedgerViewSet):
    """Physical counts; open discrepancies are explained (and optionally adjusted)."""

    queryset = PhysicalCount.objects.all()
    serializer_class = CountSerializer
    filterset_fields = ["status", "lot", "inventory"]

    def get_queryset(self):
        return selectors.count_list(user=self.request.user)

    @extend_schema(request=ResolveSerializer, responses=CountSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Explain an open discrepancy; with `adjust`, a witnessed adjustment of the ledger."""
        count = self.get_object()
        payload = ResolveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data["witness"] = _staff(self.actor, data.pop("witness_id", None), field="witness_id")
        count = services.count_resolve(
            count=count, resolved_by=staff_for(self.request.user), **data
        )
        return Response(CountSerializer(count).data)


class InventoryLineSerializer(serializers.Serializer):
    lot_id = serializers.IntegerField()
    counted_units = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)


class InventoryTakeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InventoryKind.choices)
    taken_on = serializers.DateField(required=False)
    time_of_day = serializers.ChoiceField(choices=TimeOfDay.choices)
    lines = InventoryLineSerializer(many=True)
    second_counter_id = serializers.IntegerField()
    second_counter_password = serializers.CharField(trim_whitespace=False, write_only=True)
    notes = serializers.CharField(required=False, default="", allow_blank=True)


class InventorySerializer(serializers.ModelSerializer):
    lines = CountSerializer(source="counts", many=True, read_only=True)
    taken_by_name = serializers.CharField(source="taken_by.display_name", read_only=True)
    second_counter_name = serializers.CharField(
        source="second_counter.display_name", read_only=True
    )

    class Meta:
        model = Inventory
        fields = [
            "id",
            "kind",
            "taken_on",
            "time_of_day",
            "taken_by_name",
            "second_counter_name",
            "notes",
            "lines",
            "created_at",
        ]
        read_only_fields = fields


class InventoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, LedgerViewSet):
    """DEA initial and biennial inventories, as records, PDF and CSV."""

    queryset = Inventory.objects.all()
    serializer_class = InventorySerializer

    def get_queryset(self):
        return selectors.inventory_list(user=self.request.user).prefetch_related(
            "counts__lot__product",
            "counts__counted_by__user",
            "counts__second_counter__user",
        )

    @extend_schema(request=InventoryTakeSerializer, responses={201: InventorySerializer})
    def create(self, request):
        """Take an inventory: count every lot on hand, with a second counter."""
        payload = InventoryTakeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        second = _staff(self.actor, data.pop("second_counter_id"), field="second_counter_id")
        counts = {line["lot_id"]: line["counted_units"] for line in data.pop("lines")}
        inventory = services.inventory_take(
            clinic=staff_for(self.request.user).clinic,
            taken_by=staff_for(self.request.user),
            second_counter=second,
            counts=counts,
            taken_on=data.pop("taken_on", None) or staff_for(self.request.user).clinic.today(),
            **data,
        )
        inventory = self.get_queryset().get(pk=inventory.pk)
        return Response(InventorySerializer(inventory).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        inventory = self.get_object()
        return _download(
            reports.inventory_pdf(inventory=inventory),
            "application/pdf",
            f"inventory-{inventory.taken_on}.pdf",
        )

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"])
    def csv(self, request, pk=None):
        inventory = self.get_object()
        return _download(
            reports.inventory_csv(inventory=inventory),
            "text/csv; charset=utf-8",
            f"inventory-{inventory.taken_on}.csv",
        )


class LossNoticeSerializer(serializers.ModelSerializer):
    """A loss notice and what the ledger says of its entry (never a patient)."""

    entry = serializers.PrimaryKeyRelatedField(read_only=True)
    kind = serializers.CharField(source="entry.kind", read_only=True)
    kind_display = serializers.CharField(source="entry.get_kind_display", read_only=True)
    quantity_mg = serializers.DecimalField(
        source="entry.quantity_mg", max_digits=12, decimal_places=2, read_only=True
    )
    occurred_at = serializers.DateTimeField(source="entry.occurred_at", read_only=True)
    lot = serializers.PrimaryKeyRelatedField(source="entry.lot", read_only=True)
    lot_number = serializers.CharField(source="entry.lot.lot_number", read_only=True)
    product = serializers.CharField(source="entry.lot.product.name", read_only=True)
    staff_name = serializers.CharField(source="entry.staff.display_name", read_only=True)
    witness_name = serializers.CharField(
        source="entry.witness.display_name", read_only=True, default=None
    )

    class Meta:
        model = LossNotice
        fields = [
            "id",
            "entry",
            "kind",
            "kind_display",
            "quantity_mg",
            "occurred_at",
            "lot",
            "lot_number",
            "product",
            "staff_name",
            "witness_name",
            "created_at",
            "acknowledged_at",
        ]
        read_only_fields = fields


class NoticeQuerySerializer(serializers.Serializer):
    open = serializers.BooleanField(required=False, default=False)


class LossNoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, LedgerViewSet):
    """Your loss notices (stock lost, stolen or found missing); `?open=1` for those not yet
    acknowledged. Acknowledging one takes it off your home page."""

    queryset = LossNotice.objects.all()
    serializer_class = LossNoticeSerializer

    def get_queryset(self):
        query = NoticeQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.loss_notice_list(
            user=self.request.user, open_only=query.validated_data["open"]
        )

    @extend_schema(
        parameters=[OpenApiParameter("open", OpenApiTypes.BOOL, required=False)],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=LossNoticeSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Say you have seen it; refused if already acknowledged."""
        notice = services.loss_notice_acknowledge(
            notice=self.get_object(), by=staff_for(self.request.user)
        )
        notice = selectors.loss_notice_list(user=request.user).get(pk=notice.pk)
        return Response(LossNoticeSerializer(notice).data)


def register_routes(router) -> None:
    router.register("controlled/products", ProductViewSet, basename="controlled-product")
    router.register("controlled/lots", LotViewSet, basename="controlled-lot")
    router.register("controlled/entries", EntryViewSet, basename="controlled-entry")
    router.register("controlled/counts", CountViewSet, basename="controlled-count")
    router.register("controlled/inventories", InventoryViewSet, basename="controlled-inventory")
    router.register("controlled/notices", LossNoticeViewSet, basename="controlled-notice")
