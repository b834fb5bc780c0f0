"""Celery tasks of practice: thin, take ids, safe to run twice."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from practice.models import CareTeam, SafetyAlert

log = logging.getLogger(__name__)


# An alert is emailed by the task enqueued when it is raised; one still unsent this long
# after (the broker was down, or the mail server refused) is sent by the sweep below.
MISSED_EMAIL_GRACE = timedelta(minutes=2)


@shared_task(acks_late=True)
def safety_alert_notify(alert_id: int) -> int:
    """Email the care team that an alert waits on their dashboard. No health data in the email:
    it names neither the patient nor the reason. Returns the number of emails sent.

    At most once per alert: a conditional update claims it. A send that fails gives the claim
    back and raises, so `safety_alerts_notify_missed` sends it on its next run; a lost email
    would leave an urgent alert waiting for someone to happen to open the dashboard."""
    claimed_at = timezone.now()
    claimed = SafetyAlert.objects.filter(
        pk=alert_id, acknowledged_at__isnull=True, notified_at__isnull=True
    ).update(notified_at=claimed_at)
    if not claimed:
        return 0
    alert = SafetyAlert.objects.get(pk=alert_id)
    recipients = sorted(
        {
            member.staff.user.email
            for member in CareTeam.objects.filter(patient_id=alert.patient_id).select_related(
                "staff__user"
            )
            if member.staff.is_active and member.staff.user.email
        }
    )
    if not recipients:
        return 0
    try:
        send_mail(
            subject=(
                f"{alert.get_severity_display()} safety alert for a patient on your care team"
            ),
            message=(
                "A safety alert needs a clinician's attention.\n"
                "Open your dashboard to see and acknowledge it: "
                f"{settings.SITE_URL}{reverse('practice:dashboard')}\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
    except Exception:
        SafetyAlert.objects.filter(pk=alert_id, notified_at=claimed_at).update(notified_at=None)
        raise
    return len(recipients)


@shared_task(ignore_result=True)
def safety_alerts_notify_missed() -> int:
    """The care-team emails of open alerts that never went out (each is enqueued when the
    alert is raised): older than the grace, not acknowledged, not emailed. A send that fails
    again is logged (the alert's id only) and tried on the next run. Returns the number of
    alerts emailed."""
    due = SafetyAlert.objects.filter(
        acknowledged_at__isnull=True,
        notified_at__isnull=True,
        raised_at__lte=timezone.now() - MISSED_EMAIL_GRACE,
    ).order_by("raised_at", "pk")
    sent = 0
    for pk in list(due.values_list("pk", flat=True)[:200]):
        try:
            sent += bool(safety_alert_notify(pk))
        except Exception:
            log.exception("Could not email the care team about safety alert %s", pk)
    return sent
