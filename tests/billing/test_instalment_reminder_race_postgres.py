"""The instalment-reminder sweep deciding while the desk takes the payment: a reminder is
queued only for an instalment still owed when it is queued (PostgreSQL, real connections).

The sweep looks at an instalment, finds it unpaid, and queues its reminder. The desk's
payment lands between the look and the queuing: it is held in another thread at that very
moment. Either the payment waits for the sweep's decision (then the reminder was right when
queued) or the sweep sees the payment; never a reminder for money already received."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import Payment
from billing.notifications import INSTALMENT_KIND as KIND
from billing.services import payments
from billing.services.payments import payment_plan_create, payment_record
from messaging.models import Reminder
from tests.conftest import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres]

DAY = datetime.date(2026, 10, 5)


@pytest.mark.django_db(transaction=True)
def test_an_instalment_paid_while_the_sweep_decides_gets_no_reminder(codes, monkeypatch):
    plan = payment_plan_create(
        patient=codes.patient,
        total=Decimal("100"),
        instalments=1,
        first_due_on=DAY + datetime.timedelta(days=2),
    )
    [instalment] = plan.instalments.all()
    paid = payments.instalment_paid
    notify = payments.notify_instalment_due
    desk_done = threading.Event()
    owed_when_queued = []

    def desk():
        try:
            payment_record(
                patient=codes.patient,
                method="cash",
                amount=Decimal("100"),
                received_on=DAY,
                instalment=instalment,
            )
        finally:
            connection.close()
            desk_done.set()

    desk_thread = threading.Thread(target=desk)

    def paid_then_the_desk_is_paid(of):
        amount = paid(of)
        if not desk_thread.is_alive() and not desk_done.is_set():
            desk_thread.start()
            # Long enough for the payment to commit unless it waits for the sweep's lock.
            desk_done.wait(timeout=2)
        return amount

    def notify_noting_what_is_owed(*, instalment):
        owed_when_queued.append(instalment.amount - paid(instalment))
        notify(instalment=instalment)

    monkeypatch.setattr(payments, "instalment_paid", paid_then_the_desk_is_paid)
    monkeypatch.setattr(payments, "notify_instalment_due", notify_noting_what_is_owed)
    queued = payments.instalment_reminders_queue(today=DAY)
    desk_thread.join(timeout=10)

    assert desk_done.is_set()
    assert Payment.objects.get(instalment=instalment).amount == Decimal("100.00")
    assert queued == len(owed_when_queued) == Reminder.objects.filter(kind=KIND).count()
    assert all(owed > 0 for owed in owed_when_queued), owed_when_queued
