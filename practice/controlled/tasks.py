"""Alerting admins to count discrepancies: the open counts without `alert_sent_at` are the
outbox; a task sends one alert per count and a periodic sweep catches any the broker missed."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

logger = logging.getLogger(__name__)


def enqueue_discrepancy_alert(count_id: int) -> None:
    """After commit, ask a worker to alert the admins; a broker that is down only delays it
    until the sweep (a web request never waits on the broker)."""

    def send():
        try:
            discrepancy_alert_send.delay(count_id)
        except Exception:  # broker down: the periodic sweep sends it
            logger.warning("Could not enqueue the discrepancy alert for count %s", count_id)

    transaction.on_commit(send)


@shared_task(acks_late=True)
def discrepancy_alert_send(count_id: int) -> bool:
    """Email the clinic's admins about one open discrepancy. Safe to run twice: the alert is
    claimed with a conditional UPDATE, and the claim is rolled back if sending fails."""
    from practice.controlled.choices import CountStatus
    from practice.controlled.models import PhysicalCount
    from practice.models import StaffMember

    with transaction.atomic():
        claimed = PhysicalCount.objects.filter(
            pk=count_id, status=CountStatus.OPEN, alert_sent_at__isnull=True
        ).update(alert_sent_at=timezone.now())
        if not claimed:
            return False
        count = PhysicalCount.objects.select_related("lot__product").get(pk=count_id)
        recipients = list(
            StaffMember.objects.filter(clinic_id=count.clinic_id, role="admin", is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
        if recipients:
            # No patient data in the email: the lot, the numbers and a link.
            send_mail(
                subject=f"Controlled-substance count discrepancy: lot {count.lot.lot_number}",
                message=(
                    f"A physical count of {count.lot.product} lot {count.lot.lot_number} found "
                    f"{count.counted_mg} mg where the ledger holds {count.ledger_balance_mg} mg "
                    f"(difference {count.discrepancy_mg} mg).\n\n"
                    "It stays open until someone explains it:\n"
                    f"{reverse('controlled:count-detail', args=[count.pk])}\n"
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
    return True


@shared_task
def discrepancy_alerts_sweep() -> int:
    """Send the alerts that were never enqueued (broker down at commit time)."""
    from practice.controlled.choices import CountStatus
    from practice.controlled.models import PhysicalCount

    pending = PhysicalCount.objects.filter(
        status=CountStatus.OPEN, alert_sent_at__isnull=True
    ).values_list("pk", flat=True)
    return sum(1 for pk in list(pending[:200]) if discrepancy_alert_send(pk))
