"""Screenings and treatment plans API."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import IdField, ScopedViewSet
from backend.roles import CLINICIAN_ROLES, MEDICAL, PATIENT, STAFF_ROLES, staff_for
from practice import services
from practice.api.common import VisiblePatientField
from practice.choices import Route
from practice.models import (
    Contraindication,
    Diagnosis,
    PlanTargetChange,
    Screening,
    ScreeningFinding,
    TreatmentPlan,
)
from practice.selectors import contraindication_list, plan_get, plan_list, screening_list


class ContraindicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contraindication
        fields = ["id", "name", "severity", "guidance"]


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScreeningFinding
        fields = ["contraindication", "name", "severity", "note"]


class ScreeningSerializer(serializers.ModelSerializer):
    findings = FindingSerializer(many=True, read_only=True)

    class Meta:
        model = Screening
        fields = [
            "id",
            "patient",
            "screened_on",
            "screened_by",
            "medications",
            "baseline_systolic",
            "baseline_diastolic",
            "baseline_heart_rate",
            "weight_kg",
            "notes",
            "findings",
            "result",
            "expires_on",
            "signed_off_by",
            "signed_off_at",
            "sign_off_reason",
            "created_at",
        ]
        read_only_fields = fields


class FindingInputSerializer(serializers.Serializer):
    contraindication_id = IdField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ScreeningCreateSerializer(serializers.Serializer):
    patient = VisiblePatientField()
    screened_on = serializers.DateField()
    baseline_systolic = serializers.IntegerField(min_value=50, max_value=300)
    baseline_diastolic = serializers.IntegerField(min_value=20, max_value=200)
    baseline_heart_rate = serializers.IntegerField(min_value=20, max_value=250)
    weight_kg = serializers.DecimalField(max_digits=5, decimal_places=1)
    findings = FindingInputSerializer(many=True, required=False)
    medications = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class SignOffSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class ScreeningViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Screenings: recorded by clinicians; a relative contraindication is signed off by
    medical staff. A patient reads their own."""

    serializer_class = ScreeningSerializer
    filterset_fields = ["patient", "result"]
    read_roles = STAFF_ROLES | {PATIENT}
    write_roles = CLINICIAN_ROLES
    action_roles = {"sign_off": frozenset({MEDICAL})}

    def get_queryset(self):
        return screening_list(user=self.request.user)

    def get_serializer_class(self):
        return ScreeningCreateSerializer if self.action == "create" else ScreeningSerializer

    def create(self, request, *args, **kwargs):
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        screening = services.screening_record(by=staff_for(request.user), **payload.validated_data)
        return Response(
            ScreeningSerializer(self.get_queryset().get(pk=screening.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=SignOffSerializer, responses=ScreeningSerializer)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        """Clear a screening that needs review, with the reason (medical staff)."""
        screening = self.get_object()  # out of reach: 404 before any word on the body
        payload = SignOffSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        screening = services.screening_sign_off(
            screening=screening, by=staff_for(request.user), **payload.validated_data
        )
        return Response(ScreeningSerializer(self.get_queryset().get(pk=screening.pk)).data)

    @extend_schema(responses=ContraindicationSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def checklist(self, request):
        """The clinic's contraindication checklist (ids to send as findings)."""
        items = contraindication_list(clinic=self.actor.clinic_id)
        return Response(ContraindicationSerializer(items, many=True).data)


class PlanTargetChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanTargetChange
        fields = ["from_sessions", "to_sessions", "reason", "changed_by", "changed_at"]
        read_only_fields = fields


class TreatmentPlanSerializer(serializers.ModelSerializer):
    target_changes = PlanTargetChangeSerializer(many=True, read_only=True)
    induction_doses = serializers.IntegerField(read_only=True)
    doses_given = serializers.IntegerField(read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = TreatmentPlan
        fields = [
            "id",
            "patient",
            "diagnoses",
            "route",
            "starting_dose_mg_per_kg",
            "starting_dose_mg",
            "induction_target_sessions",
            "target_changes",
            "induction_weeks",
            "maintenance_interval_days",
            "goals",
            "status",
            "screening",
            "activated_at",
            "maintenance_started_at",
            "ended_at",
            "end_reason",
            "created_by",
            "created_at",
            "induction_doses",
            "doses_given",
            "progress",
        ]
        read_only_fields = fields

    def get_progress(self, plan) -> str:
        return f"{plan.induction_doses} of {plan.induction_target_sessions} induction doses"


class TreatmentPlanCreateSerializer(serializers.Serializer):
    patient = VisiblePatientField()
    route = serializers.ChoiceField(choices=Route.choices)
    starting_dose_mg_per_kg = serializers.DecimalField(
        max_digits=5,
        decimal_places=3,
        required=False,
        allow_null=True,
        help_text="Ketamine routes: the starting dose in mg/kg.",
    )
    starting_dose_mg = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        required=False,
        allow_null=True,
        help_text="Esketamine: 56 or 84 (the label's doses).",
    )
    diagnoses = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Diagnosis.objects.all(), required=False
    )
    induction_target_sessions = serializers.IntegerField(
        min_value=1,
        max_value=20,
        required=False,
        help_text="Default 6 (esketamine: 8, the label's twice a week for 4 weeks).",
    )
    induction_weeks = serializers.IntegerField(
        min_value=1, max_value=26, required=False, help_text="Default 3 (esketamine: 4)."
    )
    maintenance_interval_days = serializers.IntegerField(min_value=7, max_value=365, default=30)
    goals = serializers.CharField(required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["diagnoses"].child_relation.queryset = Diagnosis.objects.visible_to(
                request.user
            )


class PlanReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class PlanTargetSerializer(serializers.Serializer):
    induction_target_sessions = serializers.IntegerField(min_value=1, max_value=20)
    reason = serializers.CharField(max_length=500)


class PlanFilter(django_filters.FilterSet):
    class Meta:
        model = TreatmentPlan
        fields = ["patient", "status", "route"]


class TreatmentPlanViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Treatment plans: drafted by clinicians, activated by medical staff on a cleared
    screening, moved to maintenance, completed or discontinued with a reason."""

    serializer_class = TreatmentPlanSerializer
    filterset_class = PlanFilter
    read_roles = STAFF_ROLES | {PATIENT}
    write_roles = CLINICIAN_ROLES
    action_roles = {"activate": frozenset({MEDICAL}), "target": frozenset({MEDICAL})}

    def get_queryset(self):
        return plan_list(user=self.request.user)

    def get_serializer_class(self):
        return TreatmentPlanCreateSerializer if self.action == "create" else TreatmentPlanSerializer

    def _data(self, plan):
        return TreatmentPlanSerializer(plan_get(user=self.request.user, pk=plan.pk)).data

    def create(self, request, *args, **kwargs):
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        plan = services.plan_create(by=staff_for(request.user), **payload.validated_data)
        return Response(self._data(plan), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=TreatmentPlanSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """Start the induction (draft → active); needs a cleared, unexpired screening."""
        plan = services.plan_activate(plan=self.get_object(), by=staff_for(request.user))
        return Response(self._data(plan))

    @extend_schema(request=PlanTargetSerializer, responses=TreatmentPlanSerializer)
    @action(detail=True, methods=["post"])
    def target(self, request, pk=None):
        """Change the induction target, with the reason (medical staff). Past the target the
        dosing gate refuses another induction dose."""
        plan = self.get_object()  # out of reach: 404 before any word on the body
        payload = PlanTargetSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        plan = services.plan_target_change(
            plan=plan, by=staff_for(request.user), **payload.validated_data
        )
        return Response(self._data(plan))

    @extend_schema(request=None, responses=TreatmentPlanSerializer)
    @action(detail=True, methods=["post"])
    def maintenance(self, request, pk=None):
        """End the induction (active → maintenance)."""
        plan = services.plan_move_to_maintenance(plan=self.get_object(), by=staff_for(request.user))
        return Response(self._data(plan))

    @extend_schema(request=PlanReasonSerializer, responses=TreatmentPlanSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Close a running plan as completed."""
        plan = self.get_object()  # out of reach: 404 before any word on the body
        payload = PlanReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        plan = services.plan_complete(
            plan=plan,
            by=staff_for(request.user),
            reason=payload.validated_data.get("reason", ""),
        )
        return Response(self._data(plan))

    @extend_schema(request=PlanReasonSerializer, responses=TreatmentPlanSerializer)
    @action(detail=True, methods=["post"])
    def discontinue(self, request, pk=None):
        """Stop a plan early; the reason is required."""
        plan = self.get_object()  # out of reach: 404 before any word on the body
        payload = PlanReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        plan = services.plan_discontinue(
            plan=plan,
            by=staff_for(request.user),
            reason=payload.validated_data.get("reason", ""),
        )
        return Response(self._data(plan))
