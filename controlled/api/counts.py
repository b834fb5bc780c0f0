"""Physical counts (and their discrepancies) and DEA inventories."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import IdField
from backend.roles import staff_for
from controlled import reports, selectors, services
from controlled.api._common import MG_FIELD, LedgerViewSet, _download, _staff
from controlled.choices import InventoryKind, TimeOfDay
from controlled.models import Inventory, PhysicalCount


class CountRecordSerializer(serializers.Serializer):
    counted_units = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, help_text="mL or units on the shelf."
    )
    second_counter_id = IdField()
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
    lot_id = IdField()
    counted_units = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)


class InventoryTakeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InventoryKind.choices)
    taken_on = serializers.DateField(required=False)
    time_of_day = serializers.ChoiceField(choices=TimeOfDay.choices)
    lines = InventoryLineSerializer(many=True)
    second_counter_id = IdField()
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
