"""The outbox API, `reminders`, and secure messaging, `threads` (thin: they call the
services and read through the selectors)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import ScopedReadOnlyViewSet, ScopedViewSet
from backend.pagination import KeysetPagination
from backend.roles import ADMIN, PATIENT, STAFF_ROLES, actor_for
from backend.scoping import VisiblePrimaryKeyRelatedField
from messaging import selectors
from messaging.errors import InvalidMessage
from messaging.models import Reminder, Thread, ThreadMessage, ThreadRead
from messaging.services import outbox, threads
from practice.models import Patient


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


def _is_staff(context) -> bool:
    request = context.get("request")
    actor = actor_for(request.user) if request is not None else None
    return actor is not None and actor.is_staff_member


class ThreadMessageSerializer(serializers.ModelSerializer):
    """A message as its reader sees it: who wrote it (the staff member's name, or the
    patient). Whether it matched the self-harm words is for the care team only."""

    author_name = serializers.SerializerMethodField()
    from_patient = serializers.BooleanField(read_only=True)

    class Meta:
        model = ThreadMessage
        fields = [
            "id",
            "thread",
            "author_staff",
            "author_name",
            "from_patient",
            "body",
            "sent_at",
            "flagged",
            "matched_terms",
        ]
        read_only_fields = fields

    def get_author_name(self, message) -> str:
        if message.author_staff_id:
            return message.author_staff.display_name
        return "Patient"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not _is_staff(self.context):
            data.pop("flagged")
            data.pop("matched_terms")
        return data


STAFF_ONLY_THREAD_FIELDS = (
    "flagged",
    "flagged_at",
    "flag_cleared_at",
    "flag_cleared_by",
    "flag_cleared_note",
)


class ThreadSerializer(serializers.ModelSerializer):
    unread = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = Thread
        fields = [
            "id",
            "patient",
            "subject",
            "created_at",
            "last_message_at",
            "unread",
            *STAFF_ONLY_THREAD_FIELDS,
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not _is_staff(self.context):
            for name in STAFF_ONLY_THREAD_FIELDS:
                data.pop(name)
        return data


class ThreadDetailSerializer(ThreadSerializer):
    messages = serializers.SerializerMethodField()

    class Meta(ThreadSerializer.Meta):
        fields = [*ThreadSerializer.Meta.fields, "messages"]
        read_only_fields = fields

    def get_messages(self, thread) -> list[dict]:
        rows = selectors.thread_messages(thread=thread)
        return ThreadMessageSerializer(rows, many=True, context=self.context).data


class ThreadCreateSerializer(serializers.Serializer):
    patient = VisiblePrimaryKeyRelatedField(
        queryset=Patient.objects.all(),
        required=False,
        help_text="Staff: the patient the thread is with. A patient leaves it out (their own).",
    )
    subject = serializers.CharField(max_length=120)
    body = serializers.CharField(max_length=threads.MAX_BODY)


class ThreadReplySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=threads.MAX_BODY)


class ThreadClearFlagSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text="What was done; required.")


class ThreadReadSerializer(serializers.ModelSerializer):
    class Meta:
        model = ThreadRead
        fields = ["thread", "last_read_message", "last_read_at"]
        read_only_fields = fields


class ThreadViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Secure messaging between a patient and their care team. A patient sees their own
    threads; staff the threads of the patients they may see (admins: the clinic's). The
    patient and the care team write (`messages`); staff clear a self-harm flag with a note
    (`clear-flag`); `read` marks the thread read for the requester. Flagged threads come
    first, then unread, then the newest. Messages never change after sending."""

    queryset = Thread.objects.all()
    read_roles = STAFF_ROLES | {PATIENT}
    write_roles = STAFF_ROLES | {PATIENT}
    action_roles = {"clear_flag": STAFF_ROLES}
    filterset_fields = ["patient", "flagged"]
    ordering_fields: list[str] = []
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.thread_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ThreadDetailSerializer
        return ThreadSerializer

    def _detail(self, thread, code=status.HTTP_200_OK):
        thread = self.get_queryset().get(pk=thread.pk)
        return Response(
            ThreadDetailSerializer(thread, context=self.get_serializer_context()).data,
            status=code,
        )

    @extend_schema(request=ThreadCreateSerializer, responses={201: ThreadDetailSerializer})
    def create(self, request, *args, **kwargs):
        """Start a thread with its first message."""
        data = ThreadCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        patient = data.validated_data.get("patient")
        if patient is None:
            if not self.actor.is_patient:
                raise InvalidMessage(
                    "Say which patient the thread is with.",
                    extra={"fields": {"patient": ["Required."]}},
                )
            patient = Patient.objects.get(pk=self.actor.patient_id)
        thread = threads.thread_start(
            author=request.user,
            patient=patient,
            subject=data.validated_data["subject"],
            body=data.validated_data["body"],
        )
        return self._detail(thread, status.HTTP_201_CREATED)

    @extend_schema(request=ThreadReplySerializer, responses={201: ThreadMessageSerializer})
    @action(detail=True, methods=["post"])
    def messages(self, request, pk=None):
        """Answer in the thread (the patient or a care-team member)."""
        thread = self.get_object()  # a thread out of reach is a 404 before any validation
        data = ThreadReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = threads.thread_reply(
            author=request.user, thread=thread, body=data.validated_data["body"]
        )
        return Response(
            ThreadMessageSerializer(message, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses=ThreadReadSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark the thread read, up to its newest message, for the requester."""
        read = threads.thread_mark_read(user=request.user, thread=self.get_object())
        return Response(ThreadReadSerializer(read).data)

    @extend_schema(request=ThreadClearFlagSerializer, responses=ThreadDetailSerializer)
    @action(detail=True, methods=["post"], url_path="clear-flag")
    def clear_flag(self, request, pk=None):
        """Clear the self-harm flag, saying what was done (staff)."""
        thread = self.get_object()
        data = ThreadClearFlagSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        thread = threads.thread_clear_flag(
            user=request.user, thread=thread, note=data.validated_data["note"]
        )
        return self._detail(thread)


def register_routes(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("reminders", ReminderViewSet, basename="reminder")
    router.register("threads", ThreadViewSet, basename="thread")
