"""Loss notices: stock lost, stolen or found missing, and acknowledging them."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.roles import staff_for
from controlled import selectors, services
from controlled.api._common import LedgerViewSet
from controlled.models import LossNotice


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
