"""Outcome measures and safety alerts API."""

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from backend.api import MomentFilter, ScopedViewSet
from backend.audit import audit_access
from backend.roles import CLINICIAN_ROLES, PATIENT, STAFF_ROLES, staff_for
from backend.scoping import get_visible_or_404
from practice import services
from practice.api.common import VisiblePatientField
from practice.choices import Instrument
from practice.models import MeasureResponse, Patient, SafetyAlert
from practice.selectors import alert_list, measure_list, measure_summaries, measures_due


class MeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeasureResponse
        fields = [
            "id",
            "patient",
            "instrument",
            "answers",
            "score",
            "severity",
            "answered_at",
            "entered_on_behalf",
        ]
        read_only_fields = fields


class MeasureCreateSerializer(serializers.Serializer):
    patient = VisiblePatientField(
        required=False, help_text="Staff only; a patient answers for themself."
    )
    instrument = serializers.ChoiceField(choices=Instrument.choices)
    answers = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=4),
        help_text="One answer per item, in order: 0–3 for GAD-7 and PHQ-9, 0–4 for PCL-5.",
    )
    answered_at = serializers.DateTimeField(required=False)


class DueMeasureSerializer(serializers.Serializer):
    patient_id = serializers.IntegerField()
    instrument = serializers.CharField()
    name = serializers.CharField()
    due_at = serializers.DateTimeField()
    reason = serializers.CharField()


class MeasureSummarySerializer(serializers.Serializer):
    instrument = serializers.CharField()
    name = serializers.CharField()
    baseline = MeasureSerializer(allow_null=True)
    latest = MeasureSerializer(allow_null=True)
    change = serializers.IntegerField(allow_null=True)
    percent_change = serializers.IntegerField(allow_null=True)
    response = serializers.BooleanField()
    remission = serializers.BooleanField()


class MeasureFilter(django_filters.FilterSet):
    answered_after = MomentFilter(field_name="answered_at", lookup_expr="gte")

    class Meta:
        model = MeasureResponse
        fields = ["patient", "instrument", "answered_after"]


PATIENT_PARAM = OpenApiParameter(
    "patient", int, description="Patient id (staff); a patient gets their own."
)


class MeasureViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """GAD-7 / PHQ-9 / PCL-5 responses. Patients answer their own; staff may enter on their
    behalf. PHQ-9 item 9 above 0 raises an urgent safety alert for the care team, which holds
    dosing until a clinician records a risk assessment (`/risk-assessments/`)."""

    serializer_class = MeasureSerializer
    filterset_class = MeasureFilter
    ordering_fields = ["answered_at", "score"]
    read_roles = STAFF_ROLES | {PATIENT}
    write_roles = STAFF_ROLES | {PATIENT}

    def get_queryset(self):
        return measure_list(user=self.request.user)

    def get_serializer_class(self):
        return MeasureCreateSerializer if self.action == "create" else MeasureSerializer

    def _patient(self, patient_id=None) -> Patient:
        """The patient in question: the requester if a patient, else a visible patient by id."""
        visible = Patient.objects.visible_to(self.request.user)
        if self.actor.is_patient:
            patient = visible.get()
            audit_access(patient)
            return patient
        if not patient_id:
            raise ValidationError({"patient": "Which patient?"})
        return get_visible_or_404(Patient, user=self.request.user, pk=patient_id)

    def create(self, request, *args, **kwargs):
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        given = data.pop("patient", None)
        patient = self._patient(given.pk if given else None)
        response = services.measure_record(patient=patient, entered_by=request.user, **data)
        return Response(MeasureSerializer(response).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[PATIENT_PARAM], responses=DueMeasureSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def due(self, request):
        """Questionnaires due now, tied to the patient's doses."""
        patient = self._patient(request.query_params.get("patient"))
        return Response(DueMeasureSerializer(measures_due(patient=patient), many=True).data)

    @extend_schema(parameters=[PATIENT_PARAM], responses=MeasureSummarySerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def summary(self, request):
        """Baseline, latest, change, response (≥ 50 % reduction; PCL-5: ≥ 10 points) and
        remission (< 5; PCL-5: below its cut-point of 33)."""
        patient = self._patient(request.query_params.get("patient"))
        return Response(
            MeasureSummarySerializer(measure_summaries(patient=patient), many=True).data
        )


class SafetyAlertSerializer(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)

    class Meta:
        model = SafetyAlert
        fields = [
            "id",
            "patient",
            "patient_name",
            "kind",
            "severity",
            "message",
            "session",
            "vital_signs",
            "measure",
            "raised_at",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledgement_note",
        ]
        read_only_fields = fields


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField()


class AlertFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(field_name="acknowledged_at", lookup_expr="isnull")

    class Meta:
        model = SafetyAlert
        fields = ["patient", "kind", "severity", "open"]


class SafetyAlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Safety alerts of the care team's patients; a clinician acknowledges with a note,
    except a suicidality alert, which a risk assessment closes (`/risk-assessments/`)."""

    serializer_class = SafetyAlertSerializer
    filterset_class = AlertFilter
    read_roles = STAFF_ROLES
    write_roles = CLINICIAN_ROLES

    def get_queryset(self):
        return alert_list(user=self.request.user, open_only=False)

    @extend_schema(request=AcknowledgeSerializer, responses=SafetyAlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Say you have seen the alert and what you did about it. A suicidality alert
        answers 409 `risk_assessment_required`: record a risk assessment instead."""
        alert = self.get_object()  # out of reach: 404 before any word on the body
        payload = AcknowledgeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        alert = services.safety_alert_acknowledge(
            alert=alert, by=staff_for(request.user), note=payload.validated_data["note"]
        )
        return Response(SafetyAlertSerializer(alert).data)
