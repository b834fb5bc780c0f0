"""Messages billing sends to patients, through the one patient outbox
(`messaging.services.outbox`): "superbill issued" and payment-plan instalment reminders.

The outbox renders each kind from its own templates and sends it once per target, kind and
channel. Instalment reminders use the outbox's `payment_plan_instalment` kind when it has
one; until then they are emailed after commit (the instalment row's conditional claim still
guarantees one reminder per instalment).
"""

import logging

from django.conf import settings
from django.urls import reverse

from backend.formatting import format_money
from messaging.choices import MessageKind
from messaging.services import outbox

log = logging.getLogger(__name__)
INSTALMENT_KIND = "payment_plan_instalment"


def notify_superbill_issued(*, superbill) -> None:
    """Queue "your superbill is ready" for the patient, inside the issuing transaction."""
    period = f"{superbill.period_start:%b %-d} – {superbill.period_end:%b %-d, %Y}"
    outbox.message_enqueue(
        patient=superbill.patient,
        kind=MessageKind.SUPERBILL_ISSUED,
        target_type="superbill",
        target_id=superbill.pk,
        context={
            "superbill_period": period,
            "superbill_number": superbill.number,
            "superbill_url": settings.SITE_URL + reverse("billing:portal-superbills"),
        },
    )


def notify_instalment_due(*, instalment) -> None:
    """Queue the reminder of one payment-plan instalment."""
    patient = instalment.plan.patient
    outbox.message_enqueue(
        patient=patient,
        kind=INSTALMENT_KIND,
        target_type="instalment",
        target_id=instalment.pk,
        context={
            "instalment_amount": format_money(instalment.amount),
            "instalment_due": f"{instalment.due_on:%B %-d, %Y}",
            "instalment_number": instalment.sequence,
        },
    )


def instalment_message_why_not(*, reminder) -> str:
    """Why a due instalment reminder must not go out any more ('' when it may): since it was
    queued, the instalment was paid or its plan stopped (a reminder held back by the
    patient's quiet hours, a payment taken at the desk meanwhile). The outbox asks at send
    time (`settings.KAP_MESSAGE_RELEVANCE`). Messages about anything else: ''."""
    from billing.choices import PlanStatus
    from billing.models import Instalment
    from billing.selectors import instalment_paid

    if reminder.target_type != "instalment":
        return ""
    instalment = Instalment.objects.select_related("plan").filter(pk=reminder.target_id).first()
    if instalment is None or instalment.plan.status != PlanStatus.ACTIVE:
        return "The payment plan is no longer active."
    if instalment_paid(instalment) >= instalment.amount:
        return "The instalment was paid."
    return ""


def notify_card_payment_failed(*, card_payment) -> None:
    """Queue "a payment could not be taken — sign in to update your card" (one message per
    failed attempt; no card details)."""
    instalment = card_payment.instalment
    context = {
        "payment_amount": format_money(card_payment.amount),
        "retry_on": f"{card_payment.retry_on:%B %-d, %Y}" if card_payment.retry_on else "",
        "payments_url": settings.SITE_URL + reverse("billing:portal-payments"),
    }
    if instalment is not None:
        context["instalment_number"] = instalment.sequence
    outbox.message_enqueue(
        patient=card_payment.patient,
        kind=MessageKind.CARD_PAYMENT_FAILED,
        target_type="card_payment",
        target_id=card_payment.pk,
        context=context,
    )


def notify_estimate_ready(*, estimate) -> None:
    """Queue "a document is waiting in your portal" for a Good Faith Estimate just issued:
    no amount, no service, nothing clinical; the patient reads it after signing in."""
    outbox.message_enqueue(
        patient=estimate.patient,
        kind=MessageKind.ESTIMATE_READY,
        target_type="estimate",
        target_id=estimate.pk,
        context={"documents_url": settings.SITE_URL + reverse("billing:portal-superbills")},
    )


def notify_refund_failed(*, clinic_id) -> int:
    """Email the clinic's active admins that a card refund failed: nothing about the patient
    or the amount, only where to look (the billing home lists failed refunds)."""
    from django.core.mail import send_mail

    from practice.choices import StaffRole
    from practice.models import StaffMember

    recipients = sorted(
        StaffMember.objects.filter(clinic_id=clinic_id, role=StaffRole.ADMIN, is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not recipients:
        return 0
    send_mail(
        subject="A card refund could not be made",
        message=(
            "A card refund failed at the card processor. The money was returned to the "
            "clinic, and the patient's balance is back to what it was before the refund.\n"
            "Sign in to see it and refund another way: "
            f"{settings.SITE_URL}{reverse('billing:home')}#refunds-failed\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    return len(recipients)
