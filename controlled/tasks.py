"""Alerting staff by email.

- Count discrepancies: the open counts without `alert_sent_at` are the outbox; a task sends
  one alert per count to the admins.
- Losses: the loss notices without `emailed_at` are the outbox; a task emails one notice to
  its recipient (an admin or medical staff member).

Each is enqueued after commit, claimed with a conditional UPDATE (safe to run twice), and a
periodic sweep sends any the broker missed. No email names a patient."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from controlled.choices import CountStatus
from controlled.models import LossNotice, PhysicalCount
from practice.models import StaffMember

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
                    f"{settings.SITE_URL}{reverse('controlled:count-detail', args=[count.pk])}\n"
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
    return True


@shared_task
def discrepancy_alerts_sweep() -> int:
    """Send the alerts that were never enqueued (broker down at commit time)."""

    pending = PhysicalCount.objects.filter(
        status=CountStatus.OPEN, alert_sent_at__isnull=True
    ).values_list("pk", flat=True)
    return sum(1 for pk in list(pending[:200]) if discrepancy_alert_send(pk))


def enqueue_loss_notices(notice_ids: list[int]) -> None:
    """After commit, ask a worker to email each notice; a broker that is down only delays
    them until the sweep (the notices are already on the home pages)."""

    def send():
        for notice_id in notice_ids:
            try:
                loss_notice_send.delay(notice_id)
            except Exception:  # broker down: the periodic sweep sends it
                logger.warning("Could not enqueue the loss notice %s", notice_id)
                return

    transaction.on_commit(send)


@shared_task(acks_late=True)
def loss_notice_send(notice_id: int) -> bool:
    """Email one loss notice to its recipient. Safe to run twice: the notice is claimed with
    a conditional UPDATE, and the claim is rolled back if sending fails.

    The email says what the ledger says of the loss (kind, quantity, product, lot, who
    recorded and witnessed it, when, in clinic time) and links to the lot; never a patient,
    nor the free-text circumstances, which stay in the ledger."""

    with transaction.atomic():
        claimed = LossNotice.objects.filter(pk=notice_id, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            return False
        notice = LossNotice.objects.select_related(
            "clinic",
            "recipient__user",
            "entry__lot__product",
            "entry__staff__user",
            "entry__witness__user",
        ).get(pk=notice_id)
        email = notice.recipient.user.email
        if email and notice.recipient.is_active:
            entry, lot = notice.entry, notice.entry.lot
            when = timezone.localtime(entry.occurred_at, notice.clinic.zone)
            witness = entry.witness.display_name if entry.witness else "nobody"
            send_mail(
                subject=f"Controlled-substance loss recorded: lot {lot.lot_number}",
                message=(
                    f"{entry.get_kind_display()} of {-entry.quantity_mg} mg "
                    f"({lot.product.units_for(-entry.quantity_mg)} {lot.product.unit_label}) "
                    f"of {lot.product.name}, lot {lot.lot_number}, at "
                    f"{when:%Y-%m-%d %H:%M} ({notice.clinic.timezone}).\n"
                    f"Recorded by {entry.staff.display_name}, witnessed by {witness}.\n\n"
                    "A theft or significant loss must be reported to the DEA on Form 106 "
                    "within one business day of its discovery; the ledger's log (CSV) holds "
                    "what the form asks for.\n\n"
                    "Open the lot: "
                    f"{settings.SITE_URL}{reverse('controlled:lot-detail', args=[lot.pk])}\n"
                    "Acknowledge the notice on your home page once you have seen it.\n"
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[email],
            )
    return True


@shared_task
def loss_notices_sweep() -> int:
    """Email the loss notices that were never enqueued (broker down at commit time)."""

    pending = LossNotice.objects.filter(emailed_at__isnull=True).values_list("pk", flat=True)
    return sum(1 for pk in list(pending[:200]) if loss_notice_send(pk))
