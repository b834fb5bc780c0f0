"""Onboarding API. Thin: services write, selectors read.

GET   /api/v1/intake/            the signed-in patient's intake (steps, details, answers)
PATCH /api/v1/intake/            save steps: {"contacts": {...}, "screening": [...]}
POST  /api/v1/intake/submit/     hand it to the clinic (every step complete)
GET   /api/v1/intakes/           staff: the intakes they may see (progress)
GET   /api/v1/intakes/{id}/      staff: one intake with its answers
POST  /api/v1/intakes/{id}/review/   medical staff: mark a submitted intake reviewed
POST  /api/v1/invitations/       staff: invite a patient ({"patient": id, "email": ""})
"""

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api import IdField, ScopedMixin, ScopedReadOnlyViewSet, ScopedViewSet
from backend.audit import audit_access
from backend.roles import MEDICAL, PATIENT, STAFF_ROLES, staff_for
from backend.scoping import VisiblePrimaryKeyRelatedField
from onboarding import selectors, services
from onboarding.choices import IntakeStep, ScreeningAnswer
from onboarding.models import IntakeScreeningAnswer, IntakeSubmission, Invitation
from practice.models import Patient


class StepSerializer(serializers.Serializer):
    step = serializers.CharField()
    label = serializers.CharField()
    done = serializers.BooleanField()


class AnswerSerializer(serializers.ModelSerializer):
    needs_attention = serializers.BooleanField(read_only=True)

    class Meta:
        model = IntakeScreeningAnswer
        fields = ["contraindication", "question", "answer", "details", "needs_attention"]
        read_only_fields = fields


def _details(patient: Patient) -> dict:
    out = {}
    for step, names in services.STEP_FIELDS.items():
        out[step] = {}
        for name in names:
            value = getattr(patient, name)
            out[step][name] = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
    return out


class IntakeSerializer(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    steps = serializers.SerializerMethodField()
    details = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()

    class Meta:
        model = IntakeSubmission
        fields = [
            "id", "patient", "patient_name", "status", "steps", "submitted_at",
            "reviewed_by", "reviewed_at", "details", "answers",
        ]  # fmt: skip
        read_only_fields = fields

    def get_steps(self, obj) -> list[dict]:
        return StepSerializer(
            [{"step": s, "label": label, "done": done} for s, label, done in obj.steps], many=True
        ).data

    def get_details(self, obj) -> dict:
        return _details(obj.patient)

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, obj):
        # An intake never saved (a patient who was not invited) has no answers yet.
        return AnswerSerializer(obj.answers.all() if obj.pk else [], many=True).data


class IntakeListSerializer(IntakeSerializer):
    steps_done = serializers.IntegerField(read_only=True)

    class Meta(IntakeSerializer.Meta):
        fields = [
            "id", "patient", "patient_name", "status", "steps", "steps_done", "submitted_at",
            "reviewed_at",
        ]  # fmt: skip
        read_only_fields = fields


def _step_serializer(step):
    class Meta:
        model = Patient
        fields = services.STEP_FIELDS[step]
        extra_kwargs = {name: {"required": False} for name in services.STEP_FIELDS[step]}

    return type(f"{step.title()}StepSerializer", (serializers.ModelSerializer,), {"Meta": Meta})


class AnswerInputSerializer(serializers.Serializer):
    contraindication = IdField()
    answer = serializers.ChoiceField(choices=ScreeningAnswer.choices)
    details = serializers.CharField(max_length=500, required=False, allow_blank=True)


class IntakeUpdateSerializer(serializers.Serializer):
    demographics = _step_serializer(IntakeStep.DEMOGRAPHICS)(required=False)
    contacts = _step_serializer(IntakeStep.CONTACTS)(required=False)
    insurance = _step_serializer(IntakeStep.INSURANCE)(required=False)
    medications = _step_serializer(IntakeStep.MEDICATIONS)(required=False)
    screening = AnswerInputSerializer(many=True, required=False)


class _MyIntakeView(ScopedMixin, APIView):
    read_roles = frozenset({PATIENT})
    write_roles = frozenset({PATIENT})

    def get_queryset(self):  # pragma: no cover - the patient's own, found below
        return IntakeSubmission.objects.none()

    def patient(self) -> Patient:
        patient = Patient.objects.select_related("clinic").get(pk=self.actor.patient_id)
        audit_access(patient)
        return patient

    def respond(self, patient, code=status.HTTP_200_OK) -> Response:
        submission = selectors.intake_for_patient(patient=patient) or IntakeSubmission(
            clinic_id=patient.clinic_id, patient=patient
        )
        if submission.pk:
            audit_access(submission)
        return Response(IntakeSerializer(submission).data, status=code)


class MyIntakeView(_MyIntakeView):
    """The signed-in patient's intake: read it, save steps in any order."""

    @extend_schema(responses=IntakeSerializer)
    def get(self, request):
        return self.respond(self.patient())

    @extend_schema(request=IntakeUpdateSerializer, responses=IntakeSerializer)
    def patch(self, request):
        serializer = IntakeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        steps = {
            step: [dict(a) for a in data] if step == IntakeStep.SCREENING else dict(data)
            for step, data in serializer.validated_data.items()
        }
        patient = self.patient()
        services.intake_update(patient=patient, steps=steps)
        return self.respond(Patient.objects.select_related("clinic").get(pk=patient.pk))


class MyIntakeSubmitView(_MyIntakeView):
    """Hand the completed intake to the clinic; afterwards it no longer changes."""

    @extend_schema(request=None, responses=IntakeSerializer)
    def post(self, request):
        patient = self.patient()
        services.intake_submit(patient=patient)
        return self.respond(patient)


class IntakeViewSet(ScopedReadOnlyViewSet):
    """Staff: intakes with their progress (clinicians: their care team's); medical staff
    mark a submitted one reviewed (it clears nobody)."""

    queryset = IntakeSubmission.objects.select_related("patient").order_by("-updated_at", "-id")
    read_roles = STAFF_ROLES
    action_roles = {"review": frozenset({MEDICAL})}
    filterset_fields = ["status"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            queryset = queryset.prefetch_related("answers")
        return queryset

    def get_serializer_class(self):
        return IntakeListSerializer if self.action == "list" else IntakeSerializer

    @extend_schema(request=None, responses=IntakeSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        submission = services.intake_review(
            submission=self.get_object(), by=staff_for(request.user)
        )
        return Response(IntakeSerializer(submission).data)


class InvitationSerializer(serializers.ModelSerializer):
    patient = VisiblePrimaryKeyRelatedField(queryset=Patient.objects.all())
    email = serializers.EmailField(required=False, allow_blank=True)

    class Meta:
        model = Invitation
        fields = ["id", "patient", "email", "created_at", "expires_at", "used_at", "revoked_at"]
        read_only_fields = ["id", "created_at", "expires_at", "used_at", "revoked_at"]


class InvitationViewSet(ScopedViewSet):
    """Staff invite a patient to the portal (admins, or the patient's care team). The
    response never holds the link: it exists only in the email."""

    queryset = Invitation.objects.all()
    serializer_class = InvitationSerializer
    read_roles = STAFF_ROLES
    write_roles = STAFF_ROLES
    http_method_names = ["post", "options"]

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation, _link = services.invitation_send(
            patient=serializer.validated_data["patient"],
            by=staff_for(request.user),
            email=serializer.validated_data.get("email", ""),
        )
        return Response(self.get_serializer(invitation).data, status=status.HTTP_201_CREATED)


def register_routes(router) -> None:
    router.register("intakes", IntakeViewSet, basename="intake")
    router.register("invitations", InvitationViewSet, basename="invitation")


urlpatterns = [
    path("intake/", MyIntakeView.as_view(), name="my-intake"),
    path("intake/submit/", MyIntakeSubmitView.as_view(), name="my-intake-submit"),
]
