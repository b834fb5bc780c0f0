"""Payments, their allocation to charges, balances, and payment plans with instalments."""

import datetime
import logging
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from backend.formatting import format_money
from billing.choices import ChargeStatus, PaymentMethod, PlanStatus
from billing.errors import InvalidCharge, OverAllocation
from billing.models import Charge, Instalment, Payment, PaymentAllocation, PaymentPlan
from billing.money import money
from billing.notifications import notify_instalment_due
from billing.selectors import (
    amount_sum,
    charges_with_open_balance,
    instalment_paid,
    payments_with_credit,
)
from practice.models import Patient

log = logging.getLogger(__name__)


@transaction.atomic
def payments_apply_credit(*, patient: Patient) -> int:
    """Apply every unapplied payment to the oldest open charges (first in, first out).

    Locks the patient row so two recordings never apply the same money twice. Returns
    the number of allocations made."""
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    charges = list(charges_with_open_balance(patient_id=patient.pk))
    for charge in charges:
        charge.applied = money(charge.applied)  # SQLite sums decimals in floating point
    charges = [c for c in charges if c.amount > c.applied]
    made = 0
    for payment in payments_with_credit(patient_id=patient.pk):
        credit = payment.amount - payment.refunded - money(payment.applied)
        for charge in charges:
            if credit <= 0:
                break
            owed = charge.amount - charge.applied
            if owed <= 0:
                continue
            take = min(owed, credit)
            allocation = PaymentAllocation.objects.filter(payment=payment, charge=charge).first()
            if allocation:
                allocation.amount += take
                allocation.save(update_fields=["amount"])
            else:
                PaymentAllocation.objects.create(payment=payment, charge=charge, amount=take)
            charge.applied += take
            credit -= take
            made += 1
    return made


@transaction.atomic
def payment_record(
    *,
    patient: Patient,
    method: str,
    amount: Decimal,
    received_on: datetime.date,
    reference: str = "",
    note: str = "",
    recorded_by=None,
    instalment: Instalment | None = None,
    apply: bool = True,
    stripe_payment_intent: str = "",
) -> Payment:
    """Record money received and (by default) apply it to the oldest open charges; what is
    left stays as credit for later charges (e.g. a prepaid package). A card payment names its
    Stripe PaymentIntent, which is unique: the same money is never recorded twice."""
    if method not in PaymentMethod.values:
        raise InvalidCharge(f"Unknown payment method {method!r}.")
    if instalment is not None and instalment.plan.patient_id != patient.pk:
        raise InvalidCharge("That instalment belongs to another patient's plan.")
    # Before the row exists, so the autopay sweep (which decides each charge under this
    # lock) either sees this payment or finishes its charge first.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    payment = Payment(
        clinic_id=patient.clinic_id,
        patient=patient,
        method=method,
        amount=money(amount),
        received_on=received_on,
        reference=reference,
        note=note,
        recorded_by=recorded_by,
        instalment=instalment,
        stripe_payment_intent=stripe_payment_intent,
    )
    payment.full_clean()
    payment.save()
    if apply:
        payments_apply_credit(patient=patient)
    return payment


@transaction.atomic
def payment_allocate(*, payment: Payment, charge: Charge, amount: Decimal) -> PaymentAllocation:
    """Apply part of a payment to a chosen charge. Refused (OverAllocation) beyond the
    payment's unapplied amount or the charge's open balance."""
    Patient.objects.select_for_update().filter(pk=payment.patient_id).first()
    amount = money(amount)
    if charge.patient_id != payment.patient_id:
        raise InvalidCharge("The payment and the charge belong to different patients.")
    if charge.status != ChargeStatus.APPROVED:
        raise InvalidCharge("Payments apply only to approved charges.")
    if amount <= 0:
        raise InvalidCharge("Allocate a positive amount.")
    unapplied = payment.amount - payment.refunded - amount_sum(payment.allocations.all())
    owed = charge.amount - amount_sum(charge.allocations.all())
    if amount > unapplied:
        raise OverAllocation(f"Only {format_money(unapplied)} of this payment is not yet applied.")
    if amount > owed:
        raise OverAllocation(f"Only {format_money(owed)} is still owed on this charge.")
    allocation, created = PaymentAllocation.objects.get_or_create(
        payment=payment, charge=charge, defaults={"amount": amount}
    )
    if not created:
        allocation.amount += amount
        allocation.save(update_fields=["amount"])
    return allocation


@transaction.atomic
def payment_plan_create(
    *,
    patient: Patient,
    total: Decimal,
    instalments: int,
    first_due_on: datetime.date,
    created_by=None,
    note: str = "",
) -> PaymentPlan:
    """Split `total` into monthly instalments (equal to the cent, the remainder on the
    last). A reminder for each goes out through the outbox before it is due."""
    total = money(total)
    if instalments < 1 or instalments > 36:
        raise InvalidCharge("A plan has 1 to 36 instalments.")
    if total <= 0:
        raise InvalidCharge("A plan's total must be positive.")
    plan = PaymentPlan(
        clinic_id=patient.clinic_id, patient=patient, total=total, created_by=created_by, note=note
    )
    plan.full_clean()
    plan.save()
    share = money(total / instalments)
    if share * (instalments - 1) >= total:
        raise InvalidCharge("The total is too small for that many instalments.")
    for sequence in range(1, instalments + 1):
        amount = share if sequence < instalments else total - share * (instalments - 1)
        Instalment.objects.create(
            plan=plan,
            sequence=sequence,
            due_on=first_due_on + relativedelta(months=sequence - 1),
            amount=amount,
        )
    return plan


REMINDER_DAYS_AHEAD = 3


def instalment_reminders_queue(*, today: datetime.date | None = None) -> int:
    """Queue one reminder through the outbox for each unpaid instalment of an active plan
    due within the next days. Each is decided in its own transaction under the patient's
    lock (every payment is recorded under it) from what is true then, and claimed by a
    conditional UPDATE of `reminder_queued_at`, so two workers never remind twice and an
    instalment paid while the sweep runs is not reminded of. Returns how many were queued."""

    today = today or timezone.localdate()
    due = Instalment.objects.filter(
        plan__status=PlanStatus.ACTIVE,
        reminder_queued_at__isnull=True,
        due_on__gte=today,
        due_on__lte=today + datetime.timedelta(days=REMINDER_DAYS_AHEAD),
    )
    queued = 0
    for pk, patient_id in due.order_by("pk").values_list("pk", "plan__patient_id"):
        with transaction.atomic():
            # Read once up front and checked outside the lock, an instalment paid at the
            # desk meanwhile was still reminded of
            # (tests/billing/test_instalment_reminder_race_postgres.py).
            Patient.objects.select_for_update().filter(pk=patient_id).first()
            instalment = due.filter(pk=pk).select_related("plan__patient__clinic").first()
            if instalment is None or instalment_paid(instalment) >= instalment.amount:
                continue
            claimed = Instalment.objects.filter(
                pk=instalment.pk, reminder_queued_at__isnull=True
            ).update(reminder_queued_at=timezone.now())
            if not claimed:
                continue
            notify_instalment_due(instalment=instalment)
            queued += 1
    return queued
