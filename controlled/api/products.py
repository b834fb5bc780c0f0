"""Products the clinic stocks and their lots: receive a lot, its ledger, record a manual
entry or a count against it."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import IdField
from backend.roles import staff_for
from backend.scoping import get_visible_or_404
from controlled import selectors, services
from controlled.api._common import MG_FIELD, LedgerViewSet, _staff
from controlled.api.counts import CountRecordSerializer, CountSerializer
from controlled.api.entries import EntryRecordSerializer, EntrySerializer
from controlled.models import Lot, Product
from practice.models import Clinic, DosingRecord


class ProductSerializer(serializers.ModelSerializer):
    # No digit limit on output: a product saved before its bound was checked still lists
    # (a limit here turned one bad row into a 500 for the whole clinic's product list).
    mg_per_container = serializers.DecimalField(max_digits=None, decimal_places=2, read_only=True)
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
    product_id = IdField()
    lot_number = serializers.CharField(max_length=40)
    expires_on = serializers.DateField()
    supplier_name = serializers.CharField(max_length=200)
    supplier_address = serializers.CharField()
    supplier_dea_number = serializers.CharField(max_length=12)
    containers_received = serializers.IntegerField(min_value=1)
    invoice_number = serializers.CharField(max_length=60)
    received_at = serializers.DateTimeField(required=False)
    reference = serializers.CharField(max_length=60, required=False, default="")


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
        entry = selectors.entry_list(user=request.user).get(pk=entry.pk)
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
