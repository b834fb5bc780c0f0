"""Questionnaire invitations: who is due comes from practice, the message from the outbox."""

from __future__ import annotations

from django.utils import timezone

from messaging.choices import MessageKind
from messaging.services.outbox import QuietHours, message_enqueue
from messaging.services.rules import rules_for
from practice import instruments
from practice import selectors as practice_selectors
from practice.models import Patient

# What the invitation names, as the patient sees it: each title and how long it takes.
INVITED = " and ".join(spec.title_with_duration for spec in (instruments.GAD7, instruments.PHQ9))


def questionnaire_invitations_enqueue(*, now=None) -> int:
    """Invite every patient in induction to this week's GAD-7 and PHQ-9, once per ISO week.

    Finds who is due through `practice.selectors.patients_with_measures_due(now=…)`
    (questionnaires are due by the dosing schedule: baseline, after each induction dose,
    monthly in maintenance); `practice.selectors.measures_due(patient=…)` says which.
    Returns how many patients were invited (rows already there are kept).
    """

    now = now or timezone.now()
    patients_due = getattr(practice_selectors, "patients_with_measures_due", None)
    if patients_due is not None:
        patients = list(patients_due(now=now))
    else:
        patients = list(
            Patient.objects.filter(plans__status="active").select_related("clinic").distinct()
        )
    week = now.isocalendar()
    invited = 0
    for patient in patients:
        rule = rules_for(patient.clinic)[MessageKind.QUESTIONNAIRE_INVITATION]
        if not rule.enabled:
            continue
        quiet = QuietHours.for_patient(patient)
        rows = message_enqueue(
            patient=patient,
            kind=MessageKind.QUESTIONNAIRE_INVITATION,
            target_type="questionnaire",
            target_id=f"{patient.pk}:{week.year}-W{week.week:02d}",
            send_at=quiet.fit(now, prefer_earlier=False, not_before=now),
            context={"instruments": INVITED},
        )
        invited += bool(rows)
    return invited
