"""Celery tasks of practice: thin, take ids, safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from practice.models import CareTeam, SafetyAlert


@shared_task(acks_late=True)
def safety_alert_notify(alert_id: int) -> int:
    """Email the care team that an alert waits on their dashboard. No health data in the email:
    it names neither the patient nor the reason. Returns the number of emails sent."""
    # Claim the notification with one conditional update, so a second run sends nothing.
    claimed = SafetyAlert.objects.filter(
        pk=alert_id, acknowledged_at__isnull=True, notified_at__isnull=True
    ).update(notified_at=timezone.now())
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
    send_mail(
        subject=f"{alert.get_severity_display()} safety alert for a patient on your care team",
        message=(
            "A safety alert needs a clinician's attention.\n"
            f"Open your dashboard to see and acknowledge it: {reverse('practice:dashboard')}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    return len(recipients)
