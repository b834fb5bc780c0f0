"""Safety alerts: raised by the clinical services, acknowledged by a clinician with a note;
a suicidality alert only by a risk assessment (`practice.services.risk`)."""

import logging

from django.db import transaction
from django.utils import timezone

from practice.choices import AlertKind
from practice.errors import AlertAlreadyAcknowledged, InvalidInput, RiskAssessmentRequired
from practice.models import SafetyAlert, StaffMember
from practice.services._common import require_clinician, require_same_clinic
from practice.tasks import safety_alert_notify


@transaction.atomic
def safety_alert_raise(
    *, patient, kind: str, severity: str, message: str, session=None, vital_signs=None, measure=None
) -> SafetyAlert:
    """Open an alert for the patient's care team; it shows on their dashboards at once.

    Also emails the care team after commit (the email says only that an alert is waiting,
    never what it is about)."""
    alert = SafetyAlert(
        clinic_id=patient.clinic_id,
        patient=patient,
        kind=kind,
        severity=severity,
        message=message[:300],
        session=session,
        vital_signs=vital_signs,
        measure=measure,
        raised_at=timezone.now(),
    )
    alert.full_clean()
    alert.save()

    transaction.on_commit(lambda: _enqueue(safety_alert_notify, alert.pk))
    return alert


def _enqueue(task, *args) -> None:
    # The alert is already on the dashboards; a broker that is down must not fail the request.
    try:
        task.delay(*args)
    except Exception:
        logging.getLogger(__name__).exception("Could not enqueue %s", task.name)


@transaction.atomic
def safety_alert_acknowledge(*, alert: SafetyAlert, by: StaffMember, note: str) -> SafetyAlert:
    """A clinician on the case says they have seen it and what they did. Locks the alert.

    A suicidality alert (PHQ-9 item 9) is not closed by a note: it raises
    RiskAssessmentRequired (409), and `risk_assessment_record` closes it.
    """
    alert = (
        SafetyAlert.objects.select_for_update(of=("self",))
        .select_related("patient")
        .get(pk=alert.pk)
    )
    require_same_clinic(by, alert.patient)
    require_clinician(by, "acknowledge a safety alert")
    if alert.acknowledged_at is not None:
        raise AlertAlreadyAcknowledged(f"{alert.acknowledged_by} already acknowledged this alert.")
    if alert.kind == AlertKind.SUICIDAL_IDEATION:
        raise RiskAssessmentRequired(
            "A suicidality alert is closed by recording a risk assessment (C-SSRS), not by a "
            "note: choose “Assess risk”."
        )
    note = (note or "").strip()
    if not note:
        raise InvalidInput("Write what you did (or will do) about it.")
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = by
    alert.acknowledgement_note = note
    alert.full_clean()
    alert.save()
    return alert
