"""Card payments through Stripe: checkout, saved cards, autopay of plan instalments, refunds
and the webhook events that settle them.

The protocol, and why money is never recorded twice:

- Every request to Stripe is first a `CardPayment` row (or a `Refund` row) in our database;
  its id goes to Stripe as metadata and makes the idempotency key, so a retried request
  never charges again.
- The webhook is the source of truth for success. An event is stored by id first
  (`StripeEvent`, unique): a replayed event finds its row and changes nothing.
- A payment is recorded under the `CardPayment` row's lock and only when the row has none;
  `Payment.stripe_payment_intent` is unique besides, so `checkout.session.completed` and
  `payment_intent.succeeded` for the same money (or the synchronous answer of an autopay
  charge and its webhook) record it once.
- Autopay: each attempt of an instalment is a row unique on (instalment, attempt), so two
  sweeps racing make one charge. A decline is retried RETRY_DAYS after the due date, and
  the patient is told through the outbox each time.
- Refunds: requested (pending) by staff; `charge.refunded` carries the charge's total
  refunded so far, and settling to that total is idempotent. A refund reduces what the
  payment counts for and takes its money back from unapplied credit first, then from the
  newest charges it paid.
- A refund that fails (`refund.failed`, or `charge.refund.updated` with status failed),
  even after it succeeded, is reversed: the refund is marked failed, the payment counts
  again and is applied to open charges, and the clinic's admins are emailed (no patient
  data). A replay, or the second of the two events for one failure, changes nothing.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from backend.formatting import format_money
from billing import stripe_gateway as gateway
from billing.choices import CardPaymentKind, CardPaymentStatus, PaymentMethod, PlanStatus
from billing.choices import RefundStatus as RS
from billing.errors import (
    AmountOverBalance,
    CardDeclined,
    CardGatewayError,
    CardPaymentsOff,
    InvalidCharge,
    RefundRefused,
)
from billing.models import (
    Autopay,
    CardPayment,
    Instalment,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    Refund,
    SavedCard,
    StripeCustomer,
    StripeEvent,
)
from billing.money import money
from billing.notifications import notify_card_payment_failed, notify_refund_failed
from billing.selectors import amount_sum, instalment_paid, patient_balance
from billing.services.payments import payment_record, payments_apply_credit
from practice.models import Patient

log = logging.getLogger(__name__)

# Days after the due date a declined instalment is tried again (attempts 2 and 3).
RETRY_DAYS = (1, 3)
MAX_ATTEMPTS = len(RETRY_DAYS) + 1


def _require_on() -> None:
    if not gateway.configured():
        raise CardPaymentsOff("Card payments are not set up for this clinic.")


def payable_amount(*, patient: Patient, balance: dict | None = None) -> Decimal:
    """What a card payment may be at most: the open balance less unapplied credit
    (`balance`: the patient's `patient_balance`, when already read)."""
    balance = balance or patient_balance(patient_id=patient.pk)
    return max(balance["balance"] - balance["credit"], Decimal("0.00"))


def _metadata(card_payment: CardPayment) -> dict:
    # Ids only: nothing that names the patient goes to Stripe.
    return {"card_payment": str(card_payment.pk), "clinic": str(card_payment.clinic_id)}


@transaction.atomic
def card_checkout_start(
    *,
    patient: Patient,
    amount: Decimal,
    success_url: str,
    cancel_url: str,
    requested_by=None,
) -> CardPayment:
    """Open a hosted Checkout Session for `amount` of the patient's open balance (the portal's
    "Pay balance", or the front desk with `requested_by`). Refused (AmountOverBalance) above
    what is owed. The money is recorded when the webhook says it succeeded."""
    _require_on()
    amount = money(amount)
    if amount <= 0:
        raise InvalidCharge("Enter an amount to pay.")
    payable = payable_amount(patient=Patient.objects.select_for_update().get(pk=patient.pk))
    if amount > payable:
        raise AmountOverBalance(
            f"The amount is more than the open balance of {format_money(payable)}."
        )
    card_payment = CardPayment.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        kind=CardPaymentKind.DESK if requested_by else CardPaymentKind.PORTAL,
        amount=amount,
        requested_by=requested_by,
    )
    session = gateway.checkout_payment_create(
        amount=amount,
        description="Payment to your account",
        metadata=_metadata(card_payment),
        success_url=success_url,
        cancel_url=cancel_url,
        idempotency_key=f"checkout-{card_payment.pk}",
    )
    card_payment.checkout_session_id = session["id"]
    card_payment.save(update_fields=["checkout_session_id"])
    card_payment.checkout_url = session["url"]
    return card_payment


def _customer_for(patient: Patient) -> str:
    found = StripeCustomer.objects.filter(patient=patient).first()
    if found:
        return found.customer_id
    customer_id = gateway.customer_create(
        metadata={"patient": str(patient.pk), "clinic": str(patient.clinic_id)},
        idempotency_key=f"customer-{patient.pk}",
    )
    StripeCustomer.objects.create(patient=patient, customer_id=customer_id)
    return customer_id


@transaction.atomic
def card_setup_start(*, patient: Patient, success_url: str, cancel_url: str) -> CardPayment:
    """Open a Checkout Session in setup mode: the patient saves a card on Stripe's page; the
    webhook stores it as a `SavedCard`."""
    _require_on()
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    customer_id = _customer_for(patient)
    card_payment = CardPayment.objects.create(
        clinic_id=patient.clinic_id, patient=patient, kind=CardPaymentKind.SETUP, amount=0
    )
    session = gateway.checkout_setup_create(
        customer_id=customer_id,
        metadata=_metadata(card_payment),
        success_url=success_url,
        cancel_url=cancel_url,
        idempotency_key=f"setup-{card_payment.pk}",
    )
    card_payment.checkout_session_id = session["id"]
    card_payment.save(update_fields=["checkout_session_id"])
    card_payment.checkout_url = session["url"]
    return card_payment


@transaction.atomic
def saved_card_remove(*, card: SavedCard) -> SavedCard:
    """Detach the card at Stripe and stop every autopay that used it."""
    _require_on()
    if card.removed_at:
        return card
    gateway.payment_method_detach(card.payment_method_id)
    Autopay.objects.filter(card=card).delete()
    card.removed_at = timezone.now()
    card.save(update_fields=["removed_at"])
    return card


@transaction.atomic
def autopay_set(*, plan: PaymentPlan, card: SavedCard) -> Autopay:
    """Charge the plan's instalments to `card` on their due dates."""
    _require_on()
    if card.patient_id != plan.patient_id or card.removed_at:
        raise InvalidCharge("Choose one of your saved cards.")
    if plan.status != PlanStatus.ACTIVE:
        raise InvalidCharge("Only an active plan can be paid automatically.")
    autopay, _ = Autopay.objects.update_or_create(plan=plan, defaults={"card": card})
    return autopay


@transaction.atomic
def autopay_cancel(*, plan: PaymentPlan) -> None:
    Autopay.objects.filter(plan=plan).delete()


def _charge_saved_card(card_payment: CardPayment, *, idempotency_key: str, today) -> CardPayment:
    """Charge the row's card now; success is recorded at once (the webhook then finds it
    recorded), a decline marks the row failed."""
    card = card_payment.card
    try:
        intent = gateway.saved_card_charge(
            amount=card_payment.amount,
            customer_id=card.customer_id,
            payment_method_id=card.payment_method_id,
            metadata=_metadata(card_payment),
            idempotency_key=idempotency_key,
            description="Payment plan instalment" if card_payment.instalment_id else "Payment",
        )
    except CardDeclined as exc:
        _fail(card_payment, message=exc.message, today=today)
        return card_payment
    except CardGatewayError:
        # Unknown whether it went through: the idempotency key makes the same attempt safe,
        # and the webhook records it if it did.
        _fail(card_payment, message="The card service could not be reached.", today=today,
              notify=False)  # fmt: skip
        return card_payment
    with transaction.atomic():
        locked = CardPayment.objects.select_for_update().get(pk=card_payment.pk)
        locked.payment_intent_id = intent["id"]
        locked.save(update_fields=["payment_intent_id"])
        if intent["status"] == "succeeded":
            _record(locked, intent_id=intent["id"], amount=locked.amount)
    card_payment.refresh_from_db()
    return card_payment


def saved_card_charge(*, card: SavedCard, amount: Decimal, requested_by) -> CardPayment:
    """The front desk charges a patient's saved card (at most the open balance)."""
    _require_on()
    amount = money(amount)
    if card.removed_at:
        raise InvalidCharge("That card was removed.")
    if amount <= 0:
        raise InvalidCharge("Enter an amount to charge.")
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=card.patient_id)
        payable = payable_amount(patient=patient)
        if amount > payable:
            raise AmountOverBalance(
                f"The amount is more than the open balance of {format_money(payable)}."
            )
        card_payment = CardPayment.objects.create(
            clinic_id=patient.clinic_id,
            patient=patient,
            kind=CardPaymentKind.SAVED_CARD,
            amount=amount,
            card=card,
            requested_by=requested_by,
        )
    return _charge_saved_card(
        card_payment, idempotency_key=f"charge-{card_payment.pk}", today=patient.clinic.today()
    )


def _retry_on(instalment: Instalment, attempt: int, today: datetime.date):
    if attempt >= MAX_ATTEMPTS:
        return None
    return max(today + datetime.timedelta(days=1),
               instalment.due_on + datetime.timedelta(days=RETRY_DAYS[attempt - 1]))  # fmt: skip


def _fail(card_payment: CardPayment, *, message: str, today, notify: bool = True) -> None:
    with transaction.atomic():
        updated = CardPayment.objects.filter(
            pk=card_payment.pk, status=CardPaymentStatus.OPEN
        ).update(
            status=CardPaymentStatus.FAILED,
            failure=message[:200],
            retry_on=(
                _retry_on(card_payment.instalment, card_payment.attempt, today)
                if card_payment.instalment_id
                else None
            ),
        )
        if updated and notify:
            card_payment.refresh_from_db()
            notify_card_payment_failed(card_payment=card_payment)


@transaction.atomic
def _autopay_attempt(
    *, plan: PaymentPlan, instalment: Instalment, today: datetime.date
) -> CardPayment | None:
    """The next attempt row of a due instalment, or None when nothing is to be charged now.

    Decided under the patient's lock (every payment is recorded under it) from what is true
    at this moment, not when the sweep read its list: the plan still active and on autopay,
    its card not removed, the instalment still owed, and its next attempt due (the first on
    the due date, a retry on its `retry_on` day after a decline). A patient who turned
    autopay off or removed the card, or an instalment paid at the desk while the sweep was
    charging the plans before it, is not charged."""
    Patient.objects.select_for_update().filter(pk=plan.patient_id).first()
    autopay = (
        Autopay.objects.filter(
            plan_id=plan.pk, plan__status=PlanStatus.ACTIVE, card__removed_at__isnull=True
        )
        .select_related("card")
        .first()
    )
    if autopay is None:
        return None
    remaining = instalment.amount - instalment_paid(instalment)
    if remaining <= 0:
        return None
    last = instalment.card_attempts.order_by("-attempt").first()
    if last is None:
        attempt = 1
    elif (
        last.status == CardPaymentStatus.FAILED
        and last.retry_on is not None
        and last.retry_on <= today
    ):
        attempt = last.attempt + 1
    else:
        return None
    return CardPayment.objects.create(
        clinic_id=plan.clinic_id,
        patient_id=plan.patient_id,
        kind=CardPaymentKind.AUTOPAY,
        amount=remaining,
        card=autopay.card,
        instalment=instalment,
        attempt=attempt,
    )


def autopay_charge_due(*, now: datetime.datetime | None = None) -> int:
    """Charge every due, unpaid instalment of a plan on autopay (each clinic's own today).
    Attempt 1 on the due date; after a decline, attempts 2 and 3 on RETRY_DAYS. Safe to run
    twice and from two workers: an attempt row is unique per instalment and attempt number.
    Returns the number of charges attempted."""
    if not gateway.configured():
        return 0
    now = now or timezone.now()
    attempted = 0
    autopays = Autopay.objects.filter(
        plan__status=PlanStatus.ACTIVE, card__removed_at__isnull=True
    ).select_related("plan__clinic", "card")
    for autopay in autopays:
        today = autopay.plan.clinic.date_of(now)
        for instalment in autopay.plan.instalments.filter(due_on__lte=today):
            try:
                card_payment = _autopay_attempt(
                    plan=autopay.plan, instalment=instalment, today=today
                )
            except IntegrityError:
                continue  # another sweep made this attempt
            if card_payment is None:
                continue
            _charge_saved_card(
                card_payment,
                idempotency_key=f"autopay-{instalment.pk}-{card_payment.attempt}",
                today=today,
            )
            attempted += 1
    return attempted


# ------------------------------------------------------------------------- refunds


@transaction.atomic
def refund_request(*, payment: Payment, amount: Decimal, requested_by, reason: str = "") -> Refund:
    """Ask Stripe to give back `amount` of a card payment. Refused (RefundRefused) for a
    payment not taken through Stripe, or beyond what it paid less refunds already made or
    pending. The refund counts once the webhook confirms it."""
    _require_on()
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    amount = money(amount)
    if not payment.stripe_payment_intent:
        raise RefundRefused("Only a card payment taken through Stripe can be refunded here.")
    if amount <= 0:
        raise RefundRefused("Enter an amount to refund.")
    pending = amount_sum(payment.refunds.filter(status=RS.PENDING))
    refundable = payment.amount - payment.refunded - pending
    if amount > refundable:
        raise RefundRefused(
            f"At most {format_money(refundable)} of this payment can still be refunded."
        )
    refund = Refund(payment=payment, amount=amount, reason=reason, requested_by=requested_by)
    refund.full_clean()
    refund.save()
    answer = gateway.refund_create(
        payment_intent_id=payment.stripe_payment_intent,
        amount=amount,
        metadata={"refund": str(refund.pk), "clinic": str(payment.clinic_id)},
        idempotency_key=f"refund-{refund.pk}",
    )
    refund.stripe_refund_id = answer["id"]
    if answer["status"] == "failed":
        refund.status = RS.FAILED
    refund.save(update_fields=["stripe_refund_id", "status"])
    return refund


def _take_back(payment: Payment, amount: Decimal) -> None:
    """Reduce what `payment` counts for by `amount`: unapplied credit first, then its
    allocations to the newest charges."""
    applied = amount_sum(payment.allocations.all())
    unapplied = payment.amount - payment.refunded - applied
    need = amount - min(unapplied, amount)
    allocations = payment.allocations.select_related("charge").order_by(
        "-charge__date_of_service", "-charge__id"
    )
    for allocation in allocations:
        if need <= 0:
            break
        take = min(allocation.amount, need)
        if take == allocation.amount:
            allocation.delete()
        else:
            PaymentAllocation.objects.filter(pk=allocation.pk).update(
                amount=allocation.amount - take
            )
        need -= take
    payment.refunded += amount
    payment.full_clean()
    payment.save(update_fields=["refunded"])


def _refunds_settle(payment: Payment, *, total_refunded: Decimal) -> str:
    """Make the payment's refunded total `total_refunded` (Stripe's figure). Pending refunds
    succeed oldest first; a remainder (a refund made in Stripe's dashboard) is recorded."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    total_refunded = min(money(total_refunded), payment.amount)
    delta = total_refunded - payment.refunded
    if delta <= 0:
        return "nothing_new"
    left = delta
    for refund in payment.refunds.filter(status=RS.PENDING).order_by("created_at", "id"):
        if refund.amount > left:
            break
        refund.status = RS.SUCCEEDED
        refund.succeeded_at = timezone.now()
        refund.save(update_fields=["status", "succeeded_at"])
        left -= refund.amount
    if left > 0:
        Refund.objects.create(
            payment=payment,
            amount=left,
            status=RS.SUCCEEDED,
            succeeded_at=timezone.now(),
            reason="Refunded in Stripe",
        )
    _take_back(payment, delta)
    return "refunded"


# ------------------------------------------------------------------------- webhook


def _record(card_payment: CardPayment, *, intent_id: str, amount: Decimal) -> str:
    """Record the card money once (the caller holds the row's lock)."""
    if card_payment.payment_id:
        return "already_recorded"
    existing = Payment.objects.filter(stripe_payment_intent=intent_id).first()
    if existing is None:
        clinic = card_payment.patient.clinic
        existing = payment_record(
            patient=card_payment.patient,
            method=PaymentMethod.CARD,
            amount=amount,
            received_on=clinic.today(),
            reference=intent_id,
            note=card_payment.get_kind_display(),
            recorded_by=card_payment.requested_by,
            instalment=card_payment.instalment,
            stripe_payment_intent=intent_id,
        )
    card_payment.payment = existing
    card_payment.payment_intent_id = intent_id
    card_payment.status = CardPaymentStatus.SUCCEEDED
    card_payment.failure = ""
    card_payment.retry_on = None
    card_payment.save(
        update_fields=["payment", "payment_intent_id", "status", "failure", "retry_on"]
    )
    return "recorded"


def _card_payment_for(obj: dict, *, by: str) -> CardPayment | None:
    qs = CardPayment.objects.select_for_update(of=("self",)).select_related(
        "patient__clinic", "instalment"
    )
    found = qs.filter(**{by: obj["id"]}).first()
    if found is None:
        ref = (obj.get("metadata") or {}).get("card_payment", "")
        if ref.isdigit():
            found = qs.filter(pk=int(ref)).first()
    return found


def _on_checkout_completed(obj: dict) -> str:
    card_payment = _card_payment_for(obj, by="checkout_session_id")
    if card_payment is None:
        return "unknown_session"
    if obj["mode"] == "setup":
        if card_payment.status == CardPaymentStatus.SUCCEEDED:
            return "already_saved"
        card = gateway.setup_intent_card(obj["setup_intent"])
        SavedCard.objects.get_or_create(
            payment_method_id=card["payment_method_id"],
            defaults={
                **card,
                "clinic_id": card_payment.clinic_id,
                "patient_id": card_payment.patient_id,
            },
        )
        card_payment.status = CardPaymentStatus.SUCCEEDED
        card_payment.save(update_fields=["status"])
        return "card_saved"
    if obj.get("payment_status") != "paid":
        return "not_paid_yet"
    return _record(
        card_payment,
        intent_id=obj["payment_intent"],
        amount=gateway.from_cents(obj["amount_total"]),
    )


def _on_checkout_expired(obj: dict) -> str:
    updated = CardPayment.objects.filter(
        checkout_session_id=obj["id"], status=CardPaymentStatus.OPEN
    ).update(status=CardPaymentStatus.EXPIRED)
    return "expired" if updated else "nothing_new"


def _on_intent_succeeded(obj: dict) -> str:
    card_payment = _card_payment_for(obj, by="payment_intent_id")
    if card_payment is None:
        return "unknown_intent"
    return _record(
        card_payment, intent_id=obj["id"], amount=gateway.from_cents(obj["amount_received"])
    )


def _on_intent_failed(obj: dict) -> str:
    card_payment = _card_payment_for(obj, by="payment_intent_id")
    if card_payment is None or card_payment.kind == CardPaymentKind.PORTAL:
        # Checkout lets the patient try another card on the same page: not a failure yet.
        return "ignored"
    error = obj.get("last_payment_error") or {}
    _fail(
        card_payment,
        message=error.get("message") or "The card was declined.",
        today=card_payment.patient.clinic.today(),
    )
    return "failed"


def _on_charge_refunded(obj: dict) -> str:
    payment = Payment.objects.filter(stripe_payment_intent=obj.get("payment_intent") or "").first()
    if payment is None:
        return "unknown_payment"
    return _refunds_settle(payment, total_refunded=gateway.from_cents(obj["amount_refunded"]))


def _refund_for(obj: dict) -> Refund | None:
    """Our refund row of a Stripe refund object, locked: by its id, else by our metadata."""
    qs = Refund.objects.select_for_update()
    found = qs.filter(stripe_refund_id=obj.get("id") or "-").first()
    if found is None:
        ref = (obj.get("metadata") or {}).get("refund", "")
        if ref.isdigit():
            found = qs.filter(pk=int(ref)).first()
    return found


def _on_refund_failed(obj: dict) -> str:
    """A refund failed (`refund.failed`, or `charge.refund.updated` with status failed), maybe
    after it had succeeded: Stripe gave the money back to the clinic, so the refund is marked
    failed, what the payment paid counts again (applied to the patient's open charges, so the
    balance is as it was before the refund) and the clinic's admins are emailed. A refund
    already failed changes nothing (the two event types report the same failure)."""
    if obj.get("status") != "failed":
        return "ignored"
    found = _refund_for(obj)
    if found is None:
        return "unknown_refund"
    payment = Payment.objects.select_for_update().select_related("patient").get(pk=found.payment_id)
    refund = Refund.objects.get(pk=found.pk)
    if refund.status == RS.FAILED:
        return "nothing_new"
    had_succeeded = refund.status == RS.SUCCEEDED
    refund.status = RS.FAILED
    refund.failed_at = timezone.now()
    refund.failure_reason = (obj.get("failure_reason") or "")[:80]
    if not refund.stripe_refund_id:
        refund.stripe_refund_id = obj.get("id") or ""
    refund.full_clean()
    refund.save(update_fields=["status", "failed_at", "failure_reason", "stripe_refund_id"])
    if had_succeeded:
        payment.refunded -= refund.amount
        payment.full_clean()
        payment.save(update_fields=["refunded"])
        payments_apply_credit(patient=payment.patient)
    transaction.on_commit(lambda: notify_refund_failed(clinic_id=payment.clinic_id))
    return "refund_reversed" if had_succeeded else "refund_failed"


def _on_refund_updated(obj: dict) -> str:
    return _on_refund_failed(obj) if obj.get("status") == "failed" else "ignored"


HANDLERS = {
    "checkout.session.completed": _on_checkout_completed,
    "checkout.session.async_payment_succeeded": _on_checkout_completed,
    "checkout.session.expired": _on_checkout_expired,
    "payment_intent.succeeded": _on_intent_succeeded,
    "payment_intent.payment_failed": _on_intent_failed,
    "charge.refunded": _on_charge_refunded,
    "refund.failed": _on_refund_failed,
    "charge.refund.updated": _on_refund_updated,
}


@transaction.atomic
def stripe_event_handle(*, payload: bytes, signature: str) -> tuple[StripeEvent, bool]:
    """Verify and apply one webhook delivery. WebhookRefused (nothing changed) for a bad
    signature. Returns (the event's row, whether it was new): a replay finds its row and
    changes nothing. Events of other types are stored and ignored."""
    _require_on()
    event = gateway.event_verify(payload=payload, signature=signature)
    try:
        with transaction.atomic():
            row = StripeEvent.objects.create(event_id=event["id"], type=event["type"])
    except IntegrityError:
        return StripeEvent.objects.get(event_id=event["id"]), False
    handler = HANDLERS.get(event["type"])
    row.outcome = handler(event["data"]["object"]) if handler else "ignored"
    row.save(update_fields=["outcome"])
    return row, True


def return_urls(*, path: str) -> tuple[str, str]:
    """Where Checkout sends the person back: (success, cancel) on this site."""
    base = settings.SITE_URL + path
    return base + "?checkout=done", base + "?checkout=cancelled"


def portal_return_urls() -> tuple[str, str]:
    return return_urls(path=reverse("billing:portal-payments"))
