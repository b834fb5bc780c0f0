"""Sessions API: list, retrieve, create (through `session_create`), lifecycle actions, and
the dosing record with its vitals, adverse events and discharge.

`SessionViewSet` is built to be extended: scheduling registers a subclass under the same
`sessions` prefix that books through its own service (override `create_session`) and adds
`cancel` and `reschedule`. The queryset comes from `practice.selectors.session_list`.
"""

import django_filters
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from backend.api import MomentFilter, ScopedViewSet
from backend.pagination import KeysetPagination
from backend.roles import MEDICAL, PATIENT, STAFF_ROLES, actor_for
from practice import ledger, rems, services
from practice.api.common import VisiblePatientField, staff_of
from practice.api.dosing import (
    AdverseEventCreateSerializer,
    AdverseEventSerializer,
    DischargeSerializer,
    DosingRecordCreateSerializer,
    DosingRecordSerializer,
    ObservationsSerializer,
    RemsFormQuerySerializer,
    VitalSignsSerializer,
)
from practice.choices import SessionKind, SessionModality
from practice.models import (
    DosingRecord,
    Patient,
    Session,
    StaffMember,
    TreatmentPlan,
)
from practice.selectors import session_list, session_rows

MEDICAL_ONLY = frozenset({MEDICAL})


class SessionSerializer(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    clinician_name = serializers.CharField(source="clinician.display_name", read_only=True)
    room_name = serializers.CharField(source="room.name", read_only=True, default=None)
    has_dosing_record = serializers.SerializerMethodField()
    video_join_url = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = [
            "id",
            "patient",
            "patient_name",
            "plan",
            "kind",
            "clinician",
            "clinician_name",
            "room",
            "room_name",
            "starts_at",
            "ends_at",
            "status",
            "modality",
            "video_join_url",
            "booking_key",
            "checked_in_at",
            "completed_at",
            "cancelled_at",
            "cancel_reason",
            "has_dosing_record",
        ]
        read_only_fields = fields

    def get_has_dosing_record(self, session) -> bool:
        return hasattr(session, "dosing")

    def get_video_join_url(self, session) -> str | None:
        """The join route (never the provider's link). Every row here comes from
        `visible_to(user)`: the patient's own, their care team's or their clinic admins'
        sessions, the participants the join route lets in (`video_session_for_participant`)."""
        request = self.context.get("request")
        if not session.video_room or request is None:
            return None
        return request.build_absolute_uri(reverse("practice:session-join", args=[session.pk]))


class SessionCreateSerializer(serializers.Serializer):
    # With the clinic: the booking's rules and its reminders read it (one join, not a query).
    patient = VisiblePatientField(queryset=Patient.objects.select_related("clinic"))
    clinician = serializers.PrimaryKeyRelatedField(queryset=StaffMember.objects.all())
    kind = serializers.ChoiceField(choices=SessionKind.choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    plan = serializers.PrimaryKeyRelatedField(
        queryset=TreatmentPlan.objects.all(), required=False, allow_null=True
    )
    modality = serializers.ChoiceField(
        choices=SessionModality.choices, default=SessionModality.IN_PERSON
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        actor = actor_for(getattr(request, "user", None))
        if actor is not None:
            self.fields["clinician"].queryset = StaffMember.objects.for_clinic(
                actor.clinic_id
            ).select_related("clinic")
            self.fields["plan"].queryset = TreatmentPlan.objects.visible_to(request.user)

    def validate(self, attrs):
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError({"ends_at": "The session must end after it starts."})
        return attrs


class SessionFilter(django_filters.FilterSet):
    starts_after = MomentFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = MomentFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Session
        fields = ["patient", "plan", "kind", "status", "clinician", "starts_after", "starts_before"]


class FileFormatNegotiation(DefaultContentNegotiation):
    """Here `?format=` names the file to download (pdf or csv), not a DRF renderer; the
    file is returned as it is and any error in the usual JSON shape."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class SessionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """KAP sessions: a patient sees their own; clinicians their care team's; admins the clinic's."""

    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    ordering_fields = ["starts_at", "status"]
    ordering = ["starts_at", "id"]
    pagination_class = KeysetPagination
    read_roles = STAFF_ROLES | {PATIENT}
    write_roles = STAFF_ROLES
    action_roles = {
        "dosing": MEDICAL_ONLY,
        "vitals": MEDICAL_ONLY,
        "adverse_events": MEDICAL_ONLY,
        "observations": MEDICAL_ONLY,
        "discharge": MEDICAL_ONLY,
    }

    def get_queryset(self):
        # session_list applies visible_to and joins patient, clinician, plan, room and dose;
        # a list reads only the columns its rows show (session_rows).
        if self.action == "list":
            return session_rows(user=self.request.user)
        return session_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return SessionCreateSerializer
        return super().get_serializer_class()

    def create_session(self, data: dict) -> Session:
        """The write behind POST /sessions/; scheduling overrides it to book with its checks."""
        return services.session_create(**data)

    def create(self, request, *args, **kwargs):
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        session = self.create_session(dict(payload.validated_data))
        return Response(self._session_data(session), status=status.HTTP_201_CREATED)

    def _session_data(self, session: Session) -> dict:
        session = session_list(user=self.request.user).get(pk=session.pk)
        return SessionSerializer(session, context=self.get_serializer_context()).data

    # Lifecycle -----------------------------------------------------------------------------

    @extend_schema(request=None, responses=SessionSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """The patient has arrived (scheduled → checked in)."""
        session = services.session_check_in(session=self.get_object())
        return Response(self._session_data(session))

    @extend_schema(request=None, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """The session took place (checked in → completed); a dose needs its discharge."""
        session = services.session_complete(session=self.get_object())
        return Response(self._session_data(session))

    @extend_schema(request=None, responses=SessionSerializer)
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        """The patient did not come (scheduled → no-show, after the start time)."""
        session = services.session_mark_no_show(session=self.get_object())
        return Response(self._session_data(session))

    # Dosing ------------------------------------------------------------------------------

    def _record(self) -> DosingRecord:
        session = self.get_object()
        record = getattr(session, "dosing", None)
        if record is None:
            raise NotFound("No dose is recorded for this session yet.")
        return record

    def _record_data(self, record: DosingRecord) -> dict:
        record = (
            DosingRecord.objects.select_related("administered_by__user")
            .prefetch_related("vitals", "adverse_events")
            .get(pk=record.pk)
        )
        return DosingRecordSerializer(record).data

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=DosingRecordSerializer,
        operation_id="session_dosing_retrieve",
    )
    @extend_schema(
        methods=["POST"],
        request=DosingRecordCreateSerializer,
        responses={201: DosingRecordSerializer},
        operation_id="session_dosing_create",
    )
    @action(detail=True, methods=["get", "post"])
    def dosing(self, request, pk=None):
        """GET the dose with vitals and adverse events; POST records the dose behind the
        pre-dose gate (medical staff; a refusal is 409 with every failed check)."""
        if request.method == "GET":
            return Response(self._record_data(self._record()))
        session = self.get_object()
        payload = DosingRecordCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        lot = ledger.clinic_lot(clinic_id=session.clinic_id, lot_id=data.pop("lot_id"))
        if lot is None:
            raise serializers.ValidationError({"lot_id": ["No lot of this clinic has this id."]})
        record = services.dosing_record_create(
            session=session, by=staff_of(request), lot=lot, **data
        )
        return Response(self._record_data(record), status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=VitalSignsSerializer(many=True),
        operation_id="session_vitals_list",
    )
    @extend_schema(
        methods=["POST"],
        request=VitalSignsSerializer,
        responses={201: VitalSignsSerializer},
        operation_id="session_vitals_create",
    )
    @action(detail=True, methods=["get", "post"])
    def vitals(self, request, pk=None):
        """GET the vital-signs series; POST adds a reading (medical staff). A reading past the
        clinic's thresholds is flagged and raises a safety alert."""
        record = self._record()
        if request.method == "GET":
            return Response(VitalSignsSerializer(record.vitals.all(), many=True).data)
        payload = VitalSignsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        vitals = services.vitals_record(
            record=record, by=staff_of(request), **payload.validated_data
        )
        return Response(VitalSignsSerializer(vitals).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AdverseEventCreateSerializer, responses={201: AdverseEventSerializer})
    @action(detail=True, methods=["post"], url_path="dosing/adverse-events")
    def adverse_events(self, request, pk=None):
        """Note an adverse event on the dose (medical staff)."""
        record = self._record()
        payload = AdverseEventCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        event = services.adverse_event_record(
            record=record, by=staff_of(request), **payload.validated_data
        )
        return Response(AdverseEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ObservationsSerializer, responses=DosingRecordSerializer)
    @action(detail=True, methods=["post"], url_path="dosing/observations")
    def observations(self, request, pk=None):
        """Rate the peak dissociation (0–10), assess the sedation and keep notes on the dose
        (medical staff)."""
        record = self._record()
        payload = ObservationsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        record = services.dosing_observations_update(
            record=record, by=staff_of(request), **payload.validated_data
        )
        return Response(self._record_data(record))

    @extend_schema(request=DischargeSerializer, responses=DosingRecordSerializer)
    @action(detail=True, methods=["post"], url_path="dosing/discharge")
    def discharge(self, request, pk=None):
        """Discharge after the route's observation time, on a last reading within the
        clinic's limits and near the pre-dose one, with the checklist complete (medical
        staff); after esketamine also the REMS items (the ~40-minute and pre-discharge
        blood pressures, sedation and dissociation assessed, the clinician's judgement).
        A refusal is 409 with every reason."""
        record = self._record()
        payload = DischargeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        record = services.dosing_discharge(
            record=record, by=staff_of(request), **payload.validated_data
        )
        return Response(self._record_data(record))

    @extend_schema(
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=["pdf", "csv"], default="pdf")
        ],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="rems-form",
        renderer_classes=[JSONRenderer],
        content_negotiation_class=FileFormatNegotiation,
    )
    def rems_form(self, request, pk=None):
        """The SPRAVATO REMS patient monitoring form of this session's esketamine dose, as
        PDF (default) or CSV: the clinic's admins and medical staff only (403 for others),
        404 for a session out of reach or without an esketamine dose. An audited access."""
        query = RemsFormQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        record = rems.rems_form_record(user=request.user, session_id=pk)
        if query.validated_data["format"] == "csv":
            body, content_type = rems.rems_form_csv(record), "text/csv; charset=utf-8"
        else:
            body, content_type = rems.rems_form_pdf(record), "application/pdf"
        response = HttpResponse(body, content_type=content_type)
        filename = rems.rems_form_filename(record, query.validated_data["format"])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
