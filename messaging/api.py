"""The outbox API, `reminders` (thin: it calls the outbox services)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import ScopedReadOnlyViewSet
from backend.pagination import KeysetPagination
from backend.roles import ADMIN, PATIENT
from messaging.models import Reminder
from messaging.services import outbox


class ReminderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reminder
        fields = [
            "id",
            "patient",
            "session",
            "kind",
            "channel",
            "target_type",
            "target_id",
            "send_at",
            "status",
            "attempts",
            "recipient",
            "sent_at",
            "last_error",
            "subject",
        ]
        read_only_fields = fields


class ReminderViewSet(ScopedReadOnlyViewSet):
    """The delivery log: admins see their clinic's messages, a patient their own."""

    queryset = Reminder.objects.select_related("patient", "session").order_by("-send_at", "-id")
    serializer_class = ReminderSerializer
    read_roles = frozenset({ADMIN, PATIENT})
    write_roles = frozenset({ADMIN})
    filterset_fields = ["patient", "session", "status", "kind", "channel"]
    # Keyset pages need a non-null key: sent_at (empty until sent) is no longer an order.
    ordering_fields = ["send_at"]
    ordering = ["-send_at", "-id"]
    pagination_class = KeysetPagination

    @extend_schema(request=None, responses=ReminderSerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        """Send a failed message again (409 for any other status)."""
        reminder = outbox.reminder_resend(reminder=self.get_object())
        return Response(ReminderSerializer(reminder).data)


def register_routes(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("reminders", ReminderViewSet, basename="reminder")
