"""Suicide-risk pathway API: C-SSRS risk assessments and Stanley–Brown safety plans.

Staff see them per `visible_to` (care team and the clinic's admins); clinicians write them.
A patient reads their own current safety plan and never an assessment.
"""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.api import ScopedViewSet
from backend.roles import CLINICIAN_ROLES, PATIENT, STAFF_ROLES, staff_for
from practice import cssrs, services
from practice.api.common import VisiblePatientField
from practice.models import RiskAssessment, SafetyAlert, SafetyPlan
from practice.selectors import risk_assessment_list, safety_plan_list


class RiskAssessmentSerializer(serializers.ModelSerializer):
    assessed_by_name = serializers.CharField(source="assessed_by.display_name", read_only=True)

    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "patient",
            "alert",
            "answers",
            "risk_level",
            "formulation",
            "assessed_by",
            "assessed_by_name",
            "assessed_at",
        ]
        read_only_fields = fields


def _answer(question: cssrs.Question) -> serializers.BooleanField:
    skip = (
        f" Asked only when question {cssrs.BY_KEY[question.asked_when].number} is yes."
        if question.asked_when
        else ""
    )
    return serializers.BooleanField(
        required=False, allow_null=True, help_text=f"{question.number}. {question.text}{skip}"
    )


class CssrsAnswersSerializer(serializers.Serializer):
    """The screener's answers, yes (true) or no (false); a skipped question is left out."""

    wish_dead = _answer(cssrs.BY_KEY["wish_dead"])
    suicidal_thoughts = _answer(cssrs.BY_KEY["suicidal_thoughts"])
    method = _answer(cssrs.BY_KEY["method"])
    intent = _answer(cssrs.BY_KEY["intent"])
    plan = _answer(cssrs.BY_KEY["plan"])
    behaviour = _answer(cssrs.BY_KEY["behaviour"])
    behaviour_recent = _answer(cssrs.BY_KEY["behaviour_recent"])


class RiskAssessmentCreateSerializer(serializers.Serializer):
    patient = VisiblePatientField()
    alert = serializers.PrimaryKeyRelatedField(
        queryset=SafetyAlert.objects.none(),
        required=False,
        allow_null=True,
        help_text="The suicidality alert this assessment answers; all of the patient's open "
        "suicidality alerts are acknowledged by it.",
    )
    answers = CssrsAnswersSerializer()
    formulation = serializers.CharField(
        help_text="Your formulation of the risk and the plan.", allow_blank=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["alert"].queryset = SafetyAlert.objects.visible_to(request.user)


class QuestionSerializer(serializers.Serializer):
    key = serializers.CharField()
    number = serializers.CharField()
    text = serializers.CharField()
    asked_when = serializers.CharField(allow_null=True)


class RiskAssessmentFilter(django_filters.FilterSet):
    class Meta:
        model = RiskAssessment
        fields = ["patient", "risk_level", "alert"]


class RiskAssessmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """C-SSRS screener risk assessments, recorded by clinicians. Recording one acknowledges
    the patient's open suicidality alerts; a moderate or high level holds dosing until a
    safety plan is written or reviewed. Patients cannot read them."""

    serializer_class = RiskAssessmentSerializer
    filterset_class = RiskAssessmentFilter
    ordering_fields = ["assessed_at"]
    read_roles = STAFF_ROLES
    write_roles = CLINICIAN_ROLES

    def get_queryset(self):
        return risk_assessment_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return RiskAssessmentCreateSerializer
        if self.action == "questions":
            return QuestionSerializer
        return RiskAssessmentSerializer

    def create(self, request, *args, **kwargs):
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        assessment = services.risk_assessment_record(
            patient=data["patient"],
            by=staff_for(request.user),
            answers=dict(data["answers"]),
            formulation=data["formulation"],
            alert=data.get("alert"),
        )
        return Response(
            RiskAssessmentSerializer(self.get_queryset().get(pk=assessment.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses=QuestionSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def questions(self, request):
        """The screener's questions in order, with their skip rules (`asked_when`)."""
        rows = [
            {"key": q.key, "number": q.number, "text": q.text, "asked_when": q.asked_when}
            for q in cssrs.QUESTIONS
        ]
        return Response(QuestionSerializer(rows, many=True).data)


class SafetyPlanSerializer(serializers.ModelSerializer):
    written_by_name = serializers.CharField(source="written_by.display_name", read_only=True)
    is_current = serializers.BooleanField(read_only=True)
    crisis_line = serializers.SerializerMethodField()

    class Meta:
        model = SafetyPlan
        fields = [
            "id",
            "patient",
            "version",
            "is_current",
            "warning_signs",
            "coping_strategies",
            "social_distractions",
            "people_to_ask",
            "professionals",
            "crisis_line",
            "environment_safety",
            "reasons_for_living",
            "written_by",
            "written_by_name",
            "written_at",
            "superseded_at",
        ]
        read_only_fields = fields

    def get_crisis_line(self, plan) -> str:
        """Always part of step 5, whatever the plan lists."""
        return SafetyPlan.CRISIS_LINE


class SafetyPlanWriteSerializer(serializers.Serializer):
    patient = VisiblePatientField()
    warning_signs = serializers.CharField(allow_blank=True, help_text="Step 1, one per line.")
    coping_strategies = serializers.CharField(allow_blank=True, help_text="Step 2.")
    social_distractions = serializers.CharField(allow_blank=True, help_text="Step 3.")
    people_to_ask = serializers.CharField(allow_blank=True, help_text="Step 4.")
    professionals = serializers.CharField(
        allow_blank=True, help_text="Step 5 (the 988 Lifeline is always added)."
    )
    environment_safety = serializers.CharField(allow_blank=True, help_text="Step 6.")
    reasons_for_living = serializers.CharField(required=False, allow_blank=True, default="")


class SafetyPlanFilter(django_filters.FilterSet):
    current = django_filters.BooleanFilter(field_name="superseded_at", lookup_expr="isnull")

    class Meta:
        model = SafetyPlan
        fields = ["patient", "current"]


class SafetyPlanViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Stanley–Brown safety plans, one row per version. Clinicians write a new version
    (POST); staff read every version; a patient reads only their own current plan."""

    serializer_class = SafetyPlanSerializer
    filterset_class = SafetyPlanFilter
    read_roles = STAFF_ROLES | {PATIENT}
    write_roles = CLINICIAN_ROLES

    def get_queryset(self):
        plans = safety_plan_list(user=self.request.user)
        if self.actor is not None and self.actor.is_patient:
            plans = plans.filter(superseded_at__isnull=True)
        return plans

    def get_serializer_class(self):
        return SafetyPlanWriteSerializer if self.action == "create" else SafetyPlanSerializer

    def create(self, request, *args, **kwargs):
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        plan = services.safety_plan_write(by=staff_for(request.user), **payload.validated_data)
        return Response(
            SafetyPlanSerializer(self.get_queryset().get(pk=plan.pk)).data,
            status=status.HTTP_201_CREATED,
        )
