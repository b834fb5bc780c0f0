"""Payments are applied to charges oldest first, never beyond what is owed; balances and
payment plans add up to the cent; instalment reminders go out once."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from billing.errors import InvalidCharge, OverAllocation
from billing.models import Instalment, PaymentAllocation
from billing.selectors import patient_balance
from billing.services.payments import (
    payment_allocate,
    payment_plan_create,
    payment_record,
)

DAY = datetime.date(2026, 10, 5)


def test_a_payment_is_applied_to_the_oldest_charges_first_and_the_rest_is_credit(
    approved_session, codes
):
    first = approved_session(DAY)[0]  # 210.00
    second = approved_session(DAY + datetime.timedelta(days=7), minutes=40)[0]  # 160.00
    payment_record(patient=codes.patient, method="cash", amount=Decimal("300"), received_on=DAY)
    applied = dict(PaymentAllocation.objects.values_list("charge_id", "amount"))
    assert applied == {first.pk: Decimal("210.00"), second.pk: Decimal("90.00")}
    assert patient_balance(patient_id=codes.patient.pk) == {
        "charged": Decimal("370.00"),
        "paid": Decimal("300.00"),
        "balance": Decimal("70.00"),
        "credit": Decimal("0.00"),
    }
    payment_record(patient=codes.patient, method="check", amount=Decimal("100"), received_on=DAY)
    assert patient_balance(patient_id=codes.patient.pk)["credit"] == Decimal("30.00")
    # Credit is applied to the next approved charge automatically (e.g. a prepaid package).
    approved_session(DAY + datetime.timedelta(days=14))
    assert patient_balance(patient_id=codes.patient.pk) == {
        "charged": Decimal("580.00"),
        "paid": Decimal("400.00"),
        "balance": Decimal("180.00"),
        "credit": Decimal("0.00"),
    }


def test_a_manual_allocation_beyond_the_open_balance_is_refused(approved_session, codes):
    charge = approved_session(DAY)[0]
    payment = payment_record(
        patient=codes.patient,
        method="bank_transfer",
        amount=Decimal("500"),
        received_on=DAY,
        apply=False,
    )
    payment_allocate(payment=payment, charge=charge, amount=Decimal("200"))
    with pytest.raises(OverAllocation, match=r"Only \$10.00 is still owed"):
        payment_allocate(payment=payment, charge=charge, amount=Decimal("20"))
    assert PaymentAllocation.objects.get().amount == Decimal("200.00")


def test_an_unknown_payment_method_is_refused(codes):
    with pytest.raises(InvalidCharge, match="Unknown payment method"):
        payment_record(patient=codes.patient, method="crypto", amount=Decimal(5), received_on=DAY)
    assert not codes.patient.payments.exists()


def test_a_payment_plan_splits_the_total_to_the_cent_monthly(codes):
    plan = payment_plan_create(
        patient=codes.patient, total=Decimal("1000"), instalments=3, first_due_on=DAY
    )
    rows = list(plan.instalments.values_list("sequence", "due_on", "amount"))
    assert rows == [
        (1, DAY, Decimal("333.33")),
        (2, datetime.date(2026, 11, 5), Decimal("333.33")),
        (3, datetime.date(2026, 12, 5), Decimal("333.34")),
    ]


@pytest.mark.parametrize("paid_meanwhile", [False, True])
# 11:00 in Denver on DAY: outside the patient's quiet hours, so the reminder may go out.
@time_machine.travel(datetime.datetime(2026, 10, 5, 17, 0, tzinfo=datetime.UTC), tick=False)
def test_an_instalment_reminder_paid_before_it_goes_out_is_skipped(codes, paid_meanwhile):
    from billing.services.payments import instalment_reminders_queue
    from messaging.models import Reminder
    from messaging.services.outbox.sending import reminder_deliver

    plan = payment_plan_create(
        patient=codes.patient,
        total=Decimal("100"),
        instalments=1,
        first_due_on=DAY + datetime.timedelta(days=2),
    )
    [instalment] = plan.instalments.all()
    assert instalment_reminders_queue(today=DAY) == 1
    [reminder] = Reminder.objects.filter(kind="payment_plan_instalment")
    if paid_meanwhile:  # e.g. at the desk while the reminder waited for quiet hours to end
        payment_record(
            patient=codes.patient,
            method="cash",
            amount=Decimal("100"),
            received_on=DAY,
            instalment=instalment,
        )
    outcome = reminder_deliver(reminder_id=reminder.pk, now=reminder.send_at)
    reminder.refresh_from_db()
    if paid_meanwhile:
        assert (outcome, reminder.status) == ("skipped", "skipped")
        assert reminder.last_error == "The instalment was paid."
    else:
        assert (outcome, reminder.status) == ("sent", "sent")


def test_an_instalment_reminder_is_queued_once_and_not_for_a_paid_one(
    codes, django_capture_on_commit_callbacks
):
    from billing.services.payments import instalment_reminders_queue

    plan = payment_plan_create(
        patient=codes.patient, total=Decimal("200"), instalments=2, first_due_on=DAY
    )
    first, second = plan.instalments.all()
    payment_record(
        patient=codes.patient,
        method="card",
        amount=Decimal("100"),
        received_on=DAY,
        instalment=first,
    )
    Instalment.objects.filter(pk=second.pk).update(due_on=DAY + datetime.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert instalment_reminders_queue(today=DAY) == 1
        assert instalment_reminders_queue(today=DAY) == 0
    second.refresh_from_db()
    assert second.reminder_queued_at is not None
    first.refresh_from_db()
    assert first.reminder_queued_at is None
    # The reminder is a row of the patient outbox, which sends it once when due.
    from messaging.models import Reminder

    [reminder] = Reminder.objects.filter(kind="payment_plan_instalment")
    assert reminder.target_type == "instalment" and reminder.target_id == str(second.pk)
    assert "$100.00" in reminder.subject
