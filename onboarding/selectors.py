"""Reads of invitations and intakes, scoped to who asks."""

from django.db.models import Prefetch, QuerySet

from onboarding.choices import IntakeStatus, ScreeningAnswer
from onboarding.models import IntakeScreeningAnswer, IntakeSubmission, Invitation
from practice.models import Contraindication, Patient


def intake_list(*, user) -> QuerySet[IntakeSubmission]:
    """The intakes `user` may see (the clinic's for an admin, the care team's for a
    clinician, their own for a patient), with the patient joined."""
    return IntakeSubmission.objects.visible_to(user).select_related("patient", "reviewed_by__user")


def intake_get(*, user, pk) -> IntakeSubmission:
    """One intake with its answers (in checklist order); DoesNotExist when out of reach."""
    answers = IntakeScreeningAnswer.objects.select_related("contraindication").order_by(
        "contraindication__position", "id"
    )
    return intake_list(user=user).prefetch_related(Prefetch("answers", queryset=answers)).get(pk=pk)


def intake_for_patient(*, patient: Patient) -> IntakeSubmission | None:
    return IntakeSubmission.objects.filter(patient=patient).first()


def invitation_latest(*, patient: Patient) -> Invitation | None:
    return Invitation.objects.filter(patient=patient).select_related("created_by__user").first()


def intake_checklist(*, clinic_id) -> QuerySet[Contraindication]:
    """The items the intake asks about: the clinic's active checklist, in its order."""
    return Contraindication.objects.for_clinic(clinic_id).filter(is_active=True)


def screening_prefill(*, patient: Patient, user) -> dict:
    """What a screening form may start from (practice's KAP_SCREENING_PREFILLERS hook): the
    current medications, and a ticked item with the patient's words for each item they
    answered "yes" or "not sure" in their submitted intake. {} when there is none the user
    may see. A suggestion only: the clinician decides every finding."""
    submission = (
        intake_list(user=user)
        .filter(patient=patient, status__in=[IntakeStatus.SUBMITTED, IntakeStatus.REVIEWED])
        .first()
    )
    if submission is None:
        return {}
    patient = submission.patient  # as saved, not the caller's copy
    initial: dict = {"_source": "the patient's intake (patient-reported)"}
    lines = [f"Medications: {patient.medications}".strip()] if patient.medications else []
    if patient.allergies:
        lines.append(f"Allergies: {patient.allergies}")
    initial["medications"] = "\n".join(lines)
    for answer in submission.answers.filter(
        answer__in=[ScreeningAnswer.YES, ScreeningAnswer.NOT_SURE]
    ):
        initial[f"ci_{answer.contraindication_id}"] = True
        words = "Patient: " + answer.get_answer_display().lower()
        if answer.details:
            words += f" ({answer.details})"
        initial[f"ci_{answer.contraindication_id}_note"] = words[:300]
    return initial
