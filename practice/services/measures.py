"""Outcome measures: score a questionnaire, and raise the PHQ-9 item 9 alert at once."""

import datetime

from django.db import transaction
from django.utils import timezone

from practice import instruments
from practice.choices import AlertKind, AlertSeverity
from practice.errors import MeasureRefused
from practice.models import MeasureResponse, Patient
from practice.services.alerts import safety_alert_raise


@transaction.atomic
def measure_record(
    *,
    patient: Patient,
    instrument: str,
    answers: list[int],
    entered_by,
    answered_at: datetime.datetime | None = None,
) -> MeasureResponse:
    """Score and store a questionnaire answered by `patient` (or entered for them by staff).

    `entered_by` is the user who typed the answers: the patient in the portal, or a staff
    member of the patient's clinic on their behalf (the caller has checked they may see the
    patient). PHQ-9 item 9 above 0 raises an urgent safety alert for the care team in the
    same transaction. Raises MeasureRefused (400) for answers that cannot be scored.
    """
    if instrument not in instruments.INSTRUMENTS:
        raise MeasureRefused(f"Unknown questionnaire {instrument!r}.")
    problems = instruments.validate_answers(instrument, answers)
    if problems:
        raise MeasureRefused(" ".join(problems), extra={"fields": {"answers": problems}})
    now = timezone.now()
    answered_at = answered_at or now
    if answered_at > now + datetime.timedelta(minutes=5):
        raise MeasureRefused("A questionnaire cannot be answered in the future.")
    on_behalf = entered_by.pk != patient.user_id
    if on_behalf:
        staff = getattr(entered_by, "staff_member", None)
        if staff is None or staff.clinic_id != patient.clinic_id:
            raise MeasureRefused("Only the patient or their clinic's staff may enter answers.")
    total = instruments.score(instrument, answers)
    response = MeasureResponse(
        clinic_id=patient.clinic_id,
        patient=patient,
        instrument=instrument,
        answers=list(answers),
        score=total,
        severity=instruments.severity(instrument, total),
        answered_at=answered_at,
        entered_by=entered_by,
        entered_on_behalf=on_behalf,
    )
    response.full_clean()
    response.save()
    if instruments.flags_self_harm(instrument, answers):
        answer = instruments.PHQ9.answer_label(answers[instruments.PHQ9_SELF_HARM_ITEM]).lower()
        safety_alert_raise(
            patient=patient,
            kind=AlertKind.SUICIDAL_IDEATION,
            severity=AlertSeverity.URGENT,
            message=(
                f"PHQ-9 item 9: thoughts of being better off dead or of self-harm "
                f"({answer}). Contact the patient and assess risk today."
            ),
            measure=response,
        )
    return response
