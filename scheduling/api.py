"""Scheduling API: rooms, retreats with enrollments and timetable, booking actions on sessions.

`sessions` is practice's SessionViewSet extended here (registered under the same prefix):
POST /sessions/ books through `session_book` (hours, room, conflicts), and the `reschedule`,
`cancel` and `free-slots` actions call the booking services. Viewsets are thin.
"""

import datetime as dt

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import IdField, ScopedModelViewSet, ScopedViewSet
from backend.roles import ADMIN, PATIENT, STAFF_ROLES, actor_for, staff_for
from backend.scoping import get_visible_or_404
from practice.api.sessions import SessionCreateSerializer, SessionSerializer, SessionViewSet
from practice.choices import SessionKind, SessionModality
from practice.models import Patient, Room, StaffMember
from scheduling import selectors
from scheduling.models import BookingRequest, Enrollment, Retreat, RetreatTemplateItem
from scheduling.services import booking, retreats, rooms, selfbooking

ADMIN_ONLY = frozenset({ADMIN})


class RoomSerializer(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ["id", "name", "capacity", "dosing_capable", "description", "is_active"]


class RoomViewSet(ScopedModelViewSet):
    """The clinic's rooms; staff read, admins change."""

    serializer_class = RoomSerializer
    queryset = Room.objects.all()
    read_roles = STAFF_ROLES
    write_roles = ADMIN_ONLY
    filterset_fields = ["dosing_capable", "is_active"]

    def perform_create(self, serializer):
        serializer.instance = rooms.room_create(
            clinic_id=self.actor.clinic_id, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = rooms.room_update(
            room=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        rooms.room_retire(room=instance, by=self.actor)


class TemplateItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = RetreatTemplateItem
        fields = ["id", "day", "kind", "start_time", "duration_minutes", "group", "title"]
        read_only_fields = ["id"]


class RetreatSerializer(serializers.ModelSerializer):
    staff = serializers.PrimaryKeyRelatedField(
        many=True, queryset=StaffMember.objects.all(), required=False
    )
    rooms = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Room.objects.all(), required=False
    )
    template = TemplateItemSerializer(many=True, read_only=True)
    enrolled_count = serializers.IntegerField(read_only=True)
    waitlisted_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Retreat
        fields = [
            "id",
            "name",
            "starts_on",
            "ends_on",
            "location",
            "capacity",
            "price",
            "description",
            "staff",
            "rooms",
            "template",
            "enrolled_count",
            "waitlisted_count",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actor = actor_for(getattr(self.context.get("request"), "user", None))
        if actor is not None:
            self.fields["staff"].child_relation.queryset = StaffMember.objects.for_clinic(
                actor.clinic_id
            )
            self.fields["rooms"].child_relation.queryset = Room.objects.for_clinic(actor.clinic_id)


class EnrollmentSerializer(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "patient",
            "patient_name",
            "status",
            "position",
            "created_at",
            "promoted_at",
            "cancelled_at",
        ]
        read_only_fields = fields


class EnrollmentCreateSerializer(serializers.Serializer):
    patient = IdField()


class EnrollmentCancelResultSerializer(serializers.Serializer):
    cancelled = EnrollmentSerializer()
    promoted = EnrollmentSerializer(allow_null=True)


class TimetableResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    kept = serializers.IntegerField()
    cancelled = serializers.IntegerField()


class RetreatViewSet(ScopedModelViewSet):
    """Retreats of the clinic. Patients of the clinic may read them; admins run them."""

    serializer_class = RetreatSerializer
    read_roles = STAFF_ROLES | {PATIENT}
    write_roles = ADMIN_ONLY
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    action_roles = {"enrollments": ADMIN_ONLY, "cancel_enrollment": ADMIN_ONLY}

    def get_queryset(self):
        return selectors.retreat_list(user=self.request.user).prefetch_related(
            "template", "staff", "rooms"
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        retreat = retreats.retreat_create(
            clinic=staff_for(self.request.user).clinic,
            staff=data.pop("staff", []),
            rooms=data.pop("rooms", []),
            **data,
        )
        # Re-read through the list's queryset: the answer carries the counts (0 and 0).
        serializer.instance = self.get_queryset().get(pk=retreat.pk)

    def perform_update(self, serializer):
        retreat = retreats.retreat_update(
            retreat=serializer.instance, by=self.actor_staff(), **serializer.validated_data
        )
        # Re-read for the counts: the update may have moved patients up from the waitlist.
        serializer.instance = self.get_queryset().get(pk=retreat.pk)

    @extend_schema(
        request=TemplateItemSerializer(many=True), responses=TemplateItemSerializer(many=True)
    )
    @action(detail=True, methods=["put"])
    def template(self, request, pk=None):
        """Replace the retreat's daily template."""
        retreat = self.get_object()
        payload = TemplateItemSerializer(data=request.data, many=True)
        payload.is_valid(raise_exception=True)
        items = retreats.retreat_template_set(retreat=retreat, items=payload.validated_data)
        return Response(TemplateItemSerializer(items, many=True).data)

    @extend_schema(methods=["GET"], request=None, responses=EnrollmentSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=EnrollmentCreateSerializer, responses=EnrollmentSerializer
    )
    @action(detail=True, methods=["get", "post"])
    def enrollments(self, request, pk=None):
        """The roster and waitlist (GET); enroll a patient, waitlisted when full (POST)."""
        retreat = self.get_object()
        if request.method == "GET":
            rows = selectors.enrollment_list(user=request.user, retreat=retreat)
            return Response(EnrollmentSerializer(rows, many=True).data)
        payload = EnrollmentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        patient = get_visible_or_404(
            Patient, user=request.user, pk=payload.validated_data["patient"]
        )
        enrollment = retreats.enrollment_create(
            retreat=retreat, patient=patient, by=self.actor_staff()
        )
        return Response(EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=EnrollmentCancelResultSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=r"enrollments/(?P<enrollment_id>\d+)/cancel",
    )
    def cancel_enrollment(self, request, pk=None, enrollment_id=None):
        """Cancel an enrollment; the first waitlisted patient is promoted and notified."""
        retreat = self.get_object()
        enrollment = get_visible_or_404(
            Enrollment, user=request.user, pk=enrollment_id, retreat=retreat
        )
        promoted = retreats.enrollment_cancel(enrollment=enrollment, by=self.actor_staff())
        enrollment.refresh_from_db()
        return Response(
            {
                "cancelled": EnrollmentSerializer(enrollment).data,
                "promoted": EnrollmentSerializer(promoted).data if promoted else None,
            }
        )

    @extend_schema(request=None, responses=TimetableResultSerializer)
    @action(detail=True, methods=["post"], url_path="generate-timetable")
    def generate_timetable(self, request, pk=None):
        """Create or update every enrolled patient's sessions; all or nothing."""
        result = retreats.timetable_generate(retreat=self.get_object(), by=self.actor_staff())
        return Response(
            {"created": result.created, "kept": result.kept, "cancelled": result.cancelled}
        )

    def actor_staff(self):
        return staff_for(self.request.user)


class BookingCreateSerializer(SessionCreateSerializer):
    room = serializers.PrimaryKeyRelatedField(
        queryset=Room.objects.all(), required=False, allow_null=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actor = actor_for(getattr(self.context.get("request"), "user", None))
        if actor is not None:
            self.fields["room"].queryset = Room.objects.for_clinic(actor.clinic_id)


class RescheduleSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    room = serializers.PrimaryKeyRelatedField(
        queryset=Room.objects.all(), required=False, allow_null=True
    )
    clinician = serializers.PrimaryKeyRelatedField(
        queryset=StaffMember.objects.all(), required=False
    )
    modality = serializers.ChoiceField(choices=SessionModality.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actor = actor_for(getattr(self.context.get("request"), "user", None))
        if actor is not None:
            self.fields["room"].queryset = Room.objects.for_clinic(actor.clinic_id)
            self.fields["clinician"].queryset = StaffMember.objects.for_clinic(actor.clinic_id)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    clinician = serializers.IntegerField(source="clinician.pk")
    clinician_name = serializers.CharField(source="clinician.display_name")
    room = serializers.IntegerField(source="room.pk", allow_null=True)
    room_name = serializers.CharField(source="room.name", allow_null=True)


class BookingSessionViewSet(SessionViewSet):
    """Practice's sessions with the calendar's rules: booking, moving and cancelling."""

    action_roles = {
        **SessionViewSet.action_roles,
        "reschedule": ADMIN_ONLY,
        "cancel": ADMIN_ONLY,
    }
    # Free slots read the whole clinic's calendar: staff only (a patient gets 403).
    read_action_roles = {"free_slots": STAFF_ROLES}

    def get_serializer_class(self):
        if self.action == "create":
            return BookingCreateSerializer
        return super().get_serializer_class()

    def create_session(self, data: dict):
        return booking.session_book(booked_by=self._staff(), **data)

    def _staff(self):
        return staff_for(self.request.user)

    @extend_schema(request=RescheduleSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        """Move a scheduled session (a group moves together); 409 names what conflicts."""
        session = self.get_object()
        payload = RescheduleSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        moved = booking.session_reschedule(
            session=session,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            room=data.get("room", booking.KEEP),
            clinician=data.get("clinician"),
            by=self._staff(),
            modality=data.get("modality"),
        )
        return Response(self._session_data(moved))

    @extend_schema(request=CancelSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a scheduled session; a late cancellation is recorded per clinic policy."""
        session = self.get_object()
        payload = CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cancelled = booking.session_cancel(
            session=session, reason=payload.validated_data.get("reason", ""), by=self._staff()
        )
        return Response(self._session_data(cancelled))

    @extend_schema(
        parameters=[
            OpenApiParameter("start", dt.datetime, required=True),
            OpenApiParameter("end", dt.datetime, required=True),
            OpenApiParameter("minutes", int, required=True),
            OpenApiParameter("count", int),
            OpenApiParameter("clinician", int),
            OpenApiParameter("room", str, enum=["dosing", "any", "none"]),
        ],
        responses=SlotSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="free-slots")
    def free_slots(self, request):
        """The next free slots of a length where a clinician (or any therapist) and a room
        are free."""
        query = FreeSlotQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        clinic = staff_for(request.user).clinic
        clinicians = None
        if q.get("clinician"):
            clinicians = [
                get_object_or_404(StaffMember.objects.for_clinic(clinic.pk), pk=q["clinician"])
            ]
        slots = selectors.free_slots(
            clinic=clinic,
            start=q["start"],
            end=q["end"],
            length=dt.timedelta(minutes=q["minutes"]),
            count=q["count"],
            clinicians=clinicians,
            room_needed=None if q["room"] == "none" else q["room"],
        )
        return Response(SlotSerializer(slots, many=True).data)


class FreeSlotQuery(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    minutes = serializers.IntegerField(min_value=5, max_value=12 * 60)
    count = serializers.IntegerField(min_value=1, max_value=50, default=10)
    clinician = IdField(required=False)
    room = serializers.ChoiceField(choices=["dosing", "any", "none"], default="dosing")

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": "The end must be after the start."})
        if attrs["end"] - attrs["start"] > dt.timedelta(days=366):
            raise serializers.ValidationError({"end": "Search at most a year at a time."})
        return attrs


class BookingRequestSerializer(serializers.ModelSerializer):
    clinician_name = serializers.CharField(source="clinician.display_name", read_only=True)

    class Meta:
        model = BookingRequest
        fields = [
            "id",
            "patient",
            "clinician",
            "clinician_name",
            "kind",
            "modality",
            "starts_at",
            "ends_at",
            "status",
            "created_at",
            "decided_at",
            "message",
            "session",
        ]
        read_only_fields = fields


class BookingRequestCreateSerializer(serializers.Serializer):
    clinician = IdField()
    kind = serializers.ChoiceField(choices=SessionKind.choices)
    modality = serializers.ChoiceField(
        choices=SessionModality.choices, default=SessionModality.IN_PERSON
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class DeclineSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=2000)


class BookingRequestViewSet(ScopedViewSet):
    """A patient's own booking requests (create, list, withdraw) and the clinic admins'
    queue (list, approve, decline with a message). Every write is one service call."""

    serializer_class = BookingRequestSerializer
    queryset = BookingRequest.objects.select_related("clinician__user").order_by("starts_at", "pk")
    read_roles = frozenset({ADMIN, PATIENT})
    write_roles = frozenset({PATIENT})
    action_roles = {"approve": ADMIN_ONLY, "decline": ADMIN_ONLY}
    filterset_fields = ["status"]

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=BookingRequestCreateSerializer, responses=BookingRequestSerializer)
    def create(self, request):
        """Book (auto-confirm) or request a slot with a clinician on my care team."""
        payload = BookingRequestCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        patient = request.user.patient
        # Only the patient's own clinic is looked at; its care-team rule is the service's.
        clinician = get_object_or_404(
            StaffMember.objects.for_clinic(patient.clinic_id), pk=data.pop("clinician")
        )
        created = selfbooking.booking_request_create(patient=patient, clinician=clinician, **data)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=BookingRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        done = selfbooking.booking_request_withdraw(
            booking_request=self.get_object(), patient=request.user.patient
        )
        return Response(self.get_serializer(done).data)

    @extend_schema(request=None, responses=BookingRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        done = selfbooking.booking_request_approve(
            booking_request=self.get_object(), by=staff_for(request.user)
        )
        return Response(self.get_serializer(done).data)

    @extend_schema(request=DeclineSerializer, responses=BookingRequestSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        found = self.get_object()  # another clinic's request: 404 before any validation
        payload = DeclineSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        done = selfbooking.booking_request_decline(
            booking_request=found,
            by=staff_for(request.user),
            message=payload.validated_data["message"],
        )
        return Response(self.get_serializer(done).data)


class SelfBookingSlotQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SessionKind.choices)
    count = serializers.IntegerField(min_value=1, max_value=50, default=30)


class SelfBookingSlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    clinician = serializers.IntegerField(source="clinician.pk")
    clinician_name = serializers.CharField(source="clinician.display_name")


class SelfBookingSlotViewSet(ScopedViewSet):
    """Free slots the signed-in patient may book with their care team."""

    queryset = BookingRequest.objects.none()
    serializer_class = SelfBookingSlotSerializer
    read_roles = frozenset({PATIENT})
    write_roles = frozenset()
    pagination_class = None

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, enum=["preparation", "integration"])],
        responses=SelfBookingSlotSerializer(many=True),
    )
    def list(self, request):
        query = SelfBookingSlotQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        slots = selfbooking.self_booking_slots(patient=request.user.patient, **query.validated_data)
        return Response(SelfBookingSlotSerializer(slots, many=True).data)


def register_routes(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("rooms", RoomViewSet, basename="room")
    router.register("retreats", RetreatViewSet, basename="retreat")
    router.register("sessions", BookingSessionViewSet, basename="session")
    router.register("booking-requests", BookingRequestViewSet, basename="booking-request")
    router.register("self-booking/slots", SelfBookingSlotViewSet, basename="self-booking-slot")
