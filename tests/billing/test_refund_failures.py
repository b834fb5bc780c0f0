"""A card refund that fails at Stripe (`refund.failed`, or `charge.refund.updated` with status
failed), against a recorded refund object and signed deliveries: the refund is marked failed,
what it took back counts again (the balance is as it was), the clinic's admins are emailed
without patient data, and replays or the second event for the same failure change nothing."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.test import Client

from billing.models import CardPayment, Payment, PaymentAllocation, Refund, StripeEvent
from billing.selectors import patient_balance
from tests.billing.stripe_support import deliver, event, recorded
from tests.billing.test_card_payments import _paid_session, _pay_in_portal, owing  # noqa: F401

pytestmark = pytest.mark.django_db
LATER = datetime.datetime(2026, 10, 20, 16, 0, tzinfo=datetime.UTC)


def _paid_and_refund_requested(owing, web_as, api_as):  # noqa: F811
    _pay_in_portal(web_as, owing)
    deliver(Client(), _paid_session(CardPayment.objects.get().pk))
    payment = Payment.objects.get()
    answer = api_as(owing.admin).post(f"/api/v1/payments/{payment.pk}/refund/", {"amount": "50"})
    assert answer.status_code == 201, answer.content
    return payment, Refund.objects.get()


def _failed(refund, *, event_type="refund.failed", event_id="evt_1RefFail"):
    obj = recorded("refund_failed", metadata={"refund": str(refund.pk), "clinic": "1"})
    return event(event_type, obj, event_id=event_id)


def test_a_refund_that_fails_after_succeeding_is_reversed_and_the_balance_comes_back(
    owing,  # noqa: F811
    web_as,
    api_as,
    stripe_api,
    django_capture_on_commit_callbacks,
):
    payment, refund = _paid_and_refund_requested(owing, web_as, api_as)
    refunded = event(
        "charge.refunded", recorded("charge_refunded", amount_refunded=5000), event_id="evt_1Ref"
    )
    deliver(Client(), refunded)
    before_refund = Decimal("0.00")
    assert patient_balance(patient_id=owing.patient.pk)["balance"] == Decimal("50.00")

    with (
        time_machine.travel(LATER, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert deliver(Client(), _failed(refund)).status_code == 200

    payment.refresh_from_db()
    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason) == ("failed", "expired_or_canceled_card")
    assert refund.failed_at == LATER
    assert payment.refunded == Decimal("0.00")
    assert patient_balance(patient_id=owing.patient.pk)["balance"] == before_refund
    assert PaymentAllocation.objects.get().amount == Decimal("210.00")
    assert StripeEvent.objects.get(event_id="evt_1RefFail").outcome == "refund_reversed"
    [email] = mail.outbox
    assert email.to == [owing.admin.user.email]
    assert "refund could not be made" in email.subject
    for secret in (owing.patient.full_name, "50.00", "$50"):
        assert secret not in email.subject + email.body


def test_a_replay_and_the_second_event_of_the_same_failure_change_nothing(
    owing,  # noqa: F811
    web_as,
    api_as,
    stripe_api,
    django_capture_on_commit_callbacks,
):
    payment, refund = _paid_and_refund_requested(owing, web_as, api_as)
    deliver(
        Client(),
        event(
            "charge.refunded",
            recorded("charge_refunded", amount_refunded=5000),
            event_id="evt_1Ref",
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        deliver(Client(), _failed(refund))
        deliver(Client(), _failed(refund))  # a replay
        updated = _failed(refund, event_type="charge.refund.updated", event_id="evt_1RefUpd")
        assert deliver(Client(), updated).status_code == 200

    payment.refresh_from_db()
    assert payment.refunded == Decimal("0.00")
    assert patient_balance(patient_id=owing.patient.pk)["balance"] == Decimal("0.00")
    assert StripeEvent.objects.get(event_id="evt_1RefUpd").outcome == "nothing_new"
    assert len(mail.outbox) == 1


def test_a_pending_refund_that_fails_is_marked_failed_and_no_money_moves(
    owing,  # noqa: F811
    web_as,
    api_as,
    stripe_api,
):
    payment, refund = _paid_and_refund_requested(owing, web_as, api_as)

    updated = _failed(refund, event_type="charge.refund.updated", event_id="evt_1RefUpd")
    deliver(Client(), updated)

    payment.refresh_from_db()
    refund.refresh_from_db()
    assert refund.status == "failed"
    assert payment.refunded == Decimal("0.00")
    assert patient_balance(patient_id=owing.patient.pk)["balance"] == Decimal("0.00")
    assert StripeEvent.objects.get(event_id="evt_1RefUpd").outcome == "refund_failed"


def test_a_refund_update_that_is_not_a_failure_is_ignored(
    owing,  # noqa: F811
    web_as,
    api_as,
    stripe_api,
):
    _payment, refund = _paid_and_refund_requested(owing, web_as, api_as)
    obj = recorded("refund_failed", status="pending", metadata={"refund": str(refund.pk)})

    deliver(Client(), event("charge.refund.updated", obj, event_id="evt_1RefPend"))

    refund.refresh_from_db()
    assert refund.status == "pending"
    assert StripeEvent.objects.get(event_id="evt_1RefPend").outcome == "ignored"


def test_the_billing_home_lists_a_failed_refund_for_the_admin(
    owing,  # noqa: F811
    web_as,
    api_as,
    stripe_api,
):
    _payment, refund = _paid_and_refund_requested(owing, web_as, api_as)
    deliver(Client(), _failed(refund))

    page = web_as(owing.admin).get("/billing/").content.decode()

    assert f'data-testid="refund-failed-{refund.pk}"' in page
    assert "expired_or_canceled_card" in page
