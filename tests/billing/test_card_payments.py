"""Card payments through Stripe, against recorded API answers (tests/billing/stripe/) and
webhook deliveries signed with a test secret: Checkout for the open balance, the webhook as
the one source of truth (replays change nothing, money is recorded once), refusals that
change nothing, refunds, saved cards and autopay that retries and tells the patient."""

import datetime
import json
import threading
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from billing.models import CardPayment, Payment, PaymentAllocation, Refund, SavedCard, StripeEvent
from billing.selectors import patient_balance
from billing.services import cards
from billing.services.payments import payment_plan_create
from messaging.models import Reminder
from tests.billing.stripe_support import deliver, event, recorded, sign
from tests.conftest import requires_postgres

DAY = datetime.date(2026, 10, 5)
SESSION_ID = "cs_test_a1PayBalance0001"
INTENT_ID = "pi_3PayBalance0001"
CHECKOUT_URL = recorded("checkout_session_payment")["url"]


def _paid_session(card_payment_pk, *, amount_cents=21000, event_id="evt_1Paid0001"):
    session = recorded(
        "checkout_session_payment",
        status="complete",
        payment_status="paid",
        payment_intent=INTENT_ID,
        amount_total=amount_cents,
        metadata={"card_payment": str(card_payment_pk), "clinic": "1"},
    )
    return event("checkout.session.completed", session, event_id=event_id)


def _intent_succeeded(card_payment_pk, *, intent_id=INTENT_ID, cents=21000, event_id):
    intent = recorded(
        "payment_intent_succeeded",
        id=intent_id,
        amount=cents,
        amount_received=cents,
        metadata={"card_payment": str(card_payment_pk), "clinic": "1"},
    )
    return event("payment_intent.succeeded", intent, event_id=event_id)


@pytest.fixture
def owing(approved_session, codes):
    """Erin owes $210.00 for one approved session."""
    approved_session(DAY)
    assert patient_balance(patient_id=codes.patient.pk)["balance"] == Decimal("210.00")
    return codes


def _pay_in_portal(web_as, people, amount="210.00"):
    return web_as(people.patient).post("/portal/payments/", {"action": "pay", "amount": amount})


def test_without_stripe_keys_there_is_no_pay_button_and_the_card_routes_answer_404(owing, web_as):
    client = web_as(owing.patient)
    assert client.get("/portal/payments/").status_code == 404
    page = client.get("/portal/superbills/").content.decode()
    assert "Pay balance" not in page and "/portal/payments/" not in page
    assert deliver(Client(), b"{}").status_code == 404


def test_a_patient_pays_the_balance_through_checkout_and_the_signed_webhook_records_it_once(
    owing, web_as, stripe_api
):
    response = _pay_in_portal(web_as, owing)
    assert response.status_code == 303
    assert response["Location"] == CHECKOUT_URL
    [asked] = stripe_api.requests_to("/v1/checkout/sessions")
    card_payment = CardPayment.objects.get()
    assert asked.headers["Idempotency-Key"] == f"checkout-{card_payment.pk}"
    assert asked.headers["Stripe-Version"] == "2026-10-28.endive"
    form = asked.body if isinstance(asked.body, str) else asked.body.decode()
    assert "line_items[0][price_data][unit_amount]=21000" in form.replace("%5B", "[").replace(
        "%5D", "]"
    )
    assert "Erin" not in form  # ids only go to Stripe
    # Back from Checkout, before the webhook: processing, nothing recorded yet.
    page = web_as(owing.patient).get("/portal/payments/?checkout=done").content.decode()
    assert "processing" in page
    assert not Payment.objects.exists()

    webhook = Client()
    assert deliver(webhook, _paid_session(card_payment.pk)).status_code == 200
    payment = Payment.objects.get()
    assert (payment.method, payment.amount, payment.reference) == (
        "card",
        Decimal("210"),
        INTENT_ID,
    )
    assert payment.stripe_payment_intent == INTENT_ID
    assert patient_balance(patient_id=owing.patient.pk)["balance"] == Decimal("0.00")
    card_payment.refresh_from_db()
    assert (card_payment.status, card_payment.payment_id) == ("succeeded", payment.pk)

    # The same event again, and the intent's own event for the same money: nothing new.
    replay = deliver(webhook, _paid_session(card_payment.pk))
    assert (replay.status_code, replay.content) == (200, b"already received")
    twin = _intent_succeeded(card_payment.pk, event_id="evt_1IntentTwin")
    assert deliver(webhook, twin).status_code == 200
    assert Payment.objects.count() == 1
    assert PaymentAllocation.objects.get().amount == Decimal("210.00")
    assert StripeEvent.objects.count() == 2


def test_a_payment_larger_than_the_balance_is_refused_and_stripe_is_not_asked(
    owing, web_as, stripe_api
):
    response = _pay_in_portal(web_as, owing, amount="210.01")
    assert response.status_code == 302
    page = web_as(owing.patient).get(response["Location"]).content.decode()
    assert "more than the open balance of $210.00" in page
    assert not CardPayment.objects.exists()
    assert not stripe_api.requests_to("/v1/checkout/sessions")


@pytest.mark.parametrize("tamper", ["body", "secret", "stale", "missing"])
def test_a_tampered_or_stale_webhook_is_refused_with_400_and_changes_nothing(
    owing, web_as, stripe_api, tamper
):
    _pay_in_portal(web_as, owing)
    card_payment = CardPayment.objects.get()
    payload = _paid_session(card_payment.pk)
    signature = sign(payload)
    if tamper == "body":
        payload = payload.replace(b'"amount_total": 21000', b'"amount_total": 99000')
    elif tamper == "secret":
        signature = sign(payload, secret="whsec_someone_else")
    elif tamper == "stale":
        signature = sign(payload, at=int(datetime.datetime.now().timestamp()) - 3600)
    else:
        signature = ""
    response = deliver(Client(), payload, signature)
    assert response.status_code == 400
    assert not Payment.objects.exists()
    assert not StripeEvent.objects.exists()
    assert CardPayment.objects.get().status == "open"


def test_a_refund_is_requested_then_counts_once_its_webhook_confirms_it(
    owing, web_as, api_as, stripe_api
):
    _pay_in_portal(web_as, owing)
    deliver(Client(), _paid_session(CardPayment.objects.get().pk))
    payment = Payment.objects.get()
    api = api_as(owing.admin)

    response = api.post(f"/api/v1/payments/{payment.pk}/refund/", {"amount": "50.00"})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    refund = Refund.objects.get()
    [asked] = stripe_api.requests_to("/v1/refunds")
    assert asked.headers["Idempotency-Key"] == f"refund-{refund.pk}"
    # Pending: nothing changes until Stripe confirms.
    assert patient_balance(patient_id=owing.patient.pk)["balance"] == Decimal("0.00")

    refunded = event(
        "charge.refunded", recorded("charge_refunded", amount_refunded=5000), event_id="evt_1Ref"
    )
    assert deliver(Client(), refunded).status_code == 200
    assert deliver(Client(), refunded).status_code == 200  # a replay
    payment.refresh_from_db()
    refund.refresh_from_db()
    assert (payment.refunded, refund.status) == (Decimal("50.00"), "succeeded")
    assert patient_balance(patient_id=owing.patient.pk)["balance"] == Decimal("50.00")
    assert PaymentAllocation.objects.get().amount == Decimal("160.00")

    # Beyond what the payment still holds: refused, nothing asked of Stripe.
    beyond = api.post(f"/api/v1/payments/{payment.pk}/refund/", {"amount": "160.01"})
    assert beyond.status_code == 409
    assert beyond.json()["code"] == "refund_refused"
    assert "At most $160.00" in beyond.json()["detail"]
    assert Refund.objects.count() == 1
    assert len(stripe_api.requests_to("/v1/refunds")) == 1


def test_a_cash_payment_cannot_be_refunded_through_stripe(owing, api_as, stripe_api):
    from billing.services.payments import payment_record

    payment = payment_record(
        patient=owing.patient, method="cash", amount=Decimal("20"), received_on=DAY
    )
    response = api_as(owing.admin).post(f"/api/v1/payments/{payment.pk}/refund/", {"amount": "5"})
    assert response.status_code == 409
    assert not Refund.objects.exists()


def test_the_front_desk_opens_checkout_through_the_api_for_at_most_the_balance(
    owing, api_as, stripe_api
):
    api = api_as(owing.admin)
    response = api.post(
        "/api/v1/payments/card-checkout/", {"patient": owing.patient.pk, "amount": "100.00"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["checkout_url"] == CHECKOUT_URL
    assert CardPayment.objects.get().kind == "desk"
    over = api.post(
        "/api/v1/payments/card-checkout/", {"patient": owing.patient.pk, "amount": "300.00"}
    )
    assert (over.status_code, over.json()["code"]) == (409, "amount_over_balance")
    foreign = api.post(
        "/api/v1/payments/card-checkout/",
        {"patient": owing.foreign_patient.pk, "amount": "1.00"},
    )
    assert foreign.status_code == 404


# ---------------------------------------------------------------- saved cards and autopay


def _save_card(web_as, people, stripe_api):
    stripe_api.answer("POST", "/v1/checkout/sessions", recorded("checkout_session_setup"))
    response = web_as(people.patient).post("/portal/payments/", {"action": "save-card"})
    assert response.status_code == 303
    assert response["Location"] == recorded("checkout_session_setup")["url"]
    setup = CardPayment.objects.get(kind="setup")
    completed = recorded("checkout_session_setup", status="complete")
    assert deliver(Client(), event("checkout.session.completed", completed, event_id="evt_1Set"))
    card = SavedCard.objects.get()
    setup.refresh_from_db()
    assert setup.status == "succeeded"
    return card


@pytest.fixture
def plan_on_autopay(owing, web_as, stripe_api):
    """Erin's $200 plan in two monthly instalments from Nov 5, paid by her saved Visa."""
    card = _save_card(web_as, owing, stripe_api)
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 8, 2029)
    plan = payment_plan_create(
        patient=owing.patient,
        total=Decimal("200"),
        instalments=2,
        first_due_on=datetime.date(2026, 11, 5),
    )
    response = web_as(owing.patient).post(
        "/portal/payments/", {"action": "autopay", "plan": plan.pk, "card": card.pk}
    )
    assert response.status_code == 302
    page = web_as(owing.patient).get(response["Location"]).content.decode()
    assert "charged to this card on their due dates" in page
    plan.refresh_from_db()
    assert plan.autopay.card == card
    return plan


def _morning(day: int):
    # 9:00 in Denver on November `day`, 2026.
    return datetime.datetime(2026, 11, day, 16, 0, tzinfo=datetime.UTC)


def test_autopay_charges_a_due_instalment_once_and_its_webhook_adds_nothing(
    plan_on_autopay, stripe_api
):
    first = plan_on_autopay.instalments.get(sequence=1)
    with time_machine.travel(_morning(4), tick=False):
        assert cards.autopay_charge_due() == 0  # not due yet
    with time_machine.travel(_morning(5), tick=False):
        assert cards.autopay_charge_due() == 1
        assert cards.autopay_charge_due() == 0  # a second sweep charges nothing
        [asked] = stripe_api.requests_to("/v1/payment_intents")
        assert asked.headers["Idempotency-Key"] == f"autopay-{first.pk}-1"
        body = asked.body if isinstance(asked.body, str) else asked.body.decode()
        assert "off_session=true" in body and "confirm=true" in body
        payment = Payment.objects.get(instalment=first)
        assert (payment.amount, payment.method) == (Decimal("100.00"), "card")
        attempt = CardPayment.objects.get(kind="autopay")
        webhook = _intent_succeeded(attempt.pk, intent_id="pi_3Autopay0001", cents=10000,
                                    event_id="evt_1Auto")  # fmt: skip
        assert deliver(Client(), webhook).status_code == 200
    assert Payment.objects.filter(stripe_payment_intent="pi_3Autopay0001").count() == 1


def test_a_declined_autopay_retries_after_one_and_three_days_and_tells_the_patient(
    plan_on_autopay, stripe_api
):
    first = plan_on_autopay.instalments.get(sequence=1)
    declined = recorded("payment_intent_declined")
    stripe_api.answer("POST", "/v1/payment_intents", declined, status=402)
    with time_machine.travel(_morning(5), tick=False):
        cards.autopay_charge_due()
    attempt = CardPayment.objects.get(kind="autopay", attempt=1)
    assert (attempt.status, attempt.retry_on) == ("failed", datetime.date(2026, 11, 6))
    assert attempt.failure == "Your card has insufficient funds."
    [told] = Reminder.objects.filter(kind="card_payment_failed")
    assert "could not be taken" in told.subject
    assert "November 6, 2026" in told.body_text and "update your card" in told.body_text
    assert "4242" not in told.body_text

    with time_machine.travel(_morning(5) + datetime.timedelta(hours=6), tick=False):
        assert cards.autopay_charge_due() == 0  # the same day: no retry yet
    with time_machine.travel(_morning(6), tick=False):
        assert cards.autopay_charge_due() == 1
    second = CardPayment.objects.get(kind="autopay", attempt=2)
    assert (second.status, second.retry_on) == ("failed", datetime.date(2026, 11, 8))

    stripe_api.answer("POST", "/v1/payment_intents", recorded("payment_intent_succeeded"))
    with time_machine.travel(_morning(7), tick=False):
        assert cards.autopay_charge_due() == 0
    with time_machine.travel(_morning(8), tick=False):
        assert cards.autopay_charge_due() == 1
    keys = [r.headers["Idempotency-Key"] for r in stripe_api.requests_to("/v1/payment_intents")]
    assert keys == [f"autopay-{first.pk}-{n}" for n in (1, 2, 3)]
    assert Payment.objects.get(instalment=first).amount == Decimal("100.00")
    assert Reminder.objects.filter(kind="card_payment_failed").count() == 2


def test_a_removed_card_is_detached_and_stops_autopay(plan_on_autopay, web_as, stripe_api):
    card = plan_on_autopay.autopay.card
    response = web_as(plan_on_autopay.patient).post(
        "/portal/payments/", {"action": "remove-card", "card": card.pk}
    )
    assert response.status_code == 302
    assert stripe_api.requests_to("/v1/payment_methods/pm_1Visa4242/detach")
    card.refresh_from_db()
    assert card.removed_at is not None
    with time_machine.travel(_morning(5), tick=False):
        assert cards.autopay_charge_due() == 0


def test_the_webhook_stores_no_payload_and_ignores_events_it_does_not_handle(stripe_api, db):
    payload = event("customer.created", recorded("customer"), event_id="evt_1Other")
    assert deliver(Client(), payload).status_code == 200
    stored = StripeEvent.objects.get()
    assert (stored.type, stored.outcome) == ("customer.created", "ignored")
    assert json.loads(payload)["data"]["object"]["id"] not in str(vars(stored))


# ---------------------------------------------------------------- pages


def test_the_front_desk_takes_a_card_on_the_ledger_page_charges_a_saved_card_and_refunds(
    owing, web_as, stripe_api
):
    card = _save_card(web_as, owing, stripe_api)
    stripe_api.answer("POST", "/v1/checkout/sessions", recorded("checkout_session_payment"))
    desk = web_as(owing.admin)
    ledger = f"/billing/patients/{owing.patient.pk}/"
    page = desk.get(ledger).content.decode()
    assert "Take a card (secure page)" in page and str(card) in page

    response = desk.post(ledger, {"action": "card-checkout", "amount": "50.00"})
    assert (response.status_code, response["Location"]) == (303, CHECKOUT_URL)
    taken = CardPayment.objects.get(kind="desk")
    assert taken.requested_by == owing.admin

    response = desk.post(ledger, {"action": "card-charge", "amount": "100.00", "card": card.pk})
    assert response.status_code == 302
    payment = Payment.objects.get(stripe_payment_intent="pi_3Autopay0001")
    assert (payment.amount, payment.recorded_by) == (Decimal("100.00"), owing.admin)

    response = desk.post(
        ledger, {"action": "card-refund", "payment": payment.pk, "amount": "100.01"}
    )
    assert "At most $100.00" in desk.get(response["Location"]).content.decode()
    desk.post(ledger, {"action": "card-refund", "payment": payment.pk, "amount": "40.00"})
    assert Refund.objects.get().amount == Decimal("40.00")


def test_without_keys_the_ledger_shows_no_card_actions_and_refuses_them(owing, web_as):
    desk = web_as(owing.admin)
    ledger = f"/billing/patients/{owing.patient.pk}/"
    assert "Take a card" not in desk.get(ledger).content.decode()
    response = desk.post(ledger, {"action": "card-checkout", "amount": "50.00"})
    assert response.status_code == 404
    assert not CardPayment.objects.exists()


def test_the_portal_payments_page_reads_in_a_fixed_number_of_queries(
    plan_on_autopay, web_as, django_assert_num_queries
):
    client = web_as(plan_on_autopay.patient)
    client.get("/portal/payments/")  # warm the session
    # The session, the user, the staff and patient lookups of the actor, the patient with
    # the clinic; the balance (approved charges, what was applied to them, payments
    # received with their refunds, what was applied of them); the saved cards; the newest
    # card payments with their cards and payments; the active plans with autopay and its
    # card; the audit row.
    with django_assert_num_queries(13):
        response = client.get("/portal/payments/")
    assert response.status_code == 200


def test_a_refund_made_in_stripe_takes_money_back_from_the_newest_charge_first(
    approved_session, codes, web_as, stripe_api
):
    older = approved_session(DAY)[0]  # 210.00
    newer = approved_session(DAY + datetime.timedelta(days=7), minutes=40)[0]  # 160.00
    _pay_in_portal(web_as, codes, amount="370.00")
    card_payment = CardPayment.objects.get()
    deliver(Client(), _paid_session(card_payment.pk, amount_cents=37000))
    # Refunded in Stripe's dashboard ($200): no request of ours, the event alone counts.
    refunded = recorded("charge_refunded", amount=37000, amount_refunded=20000)
    assert deliver(Client(), event("charge.refunded", refunded, event_id="evt_1Dash"))
    applied = dict(PaymentAllocation.objects.values_list("charge_id", "amount"))
    assert applied == {older.pk: Decimal("170.00")}  # the newer charge is owed again
    assert newer.pk not in applied
    [refund] = Refund.objects.all()
    assert (refund.amount, refund.status) == (Decimal("200.00"), "succeeded")
    assert patient_balance(patient_id=codes.patient.pk)["balance"] == Decimal("200.00")


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_autopay_sweeps_racing_make_one_charge(plan_on_autopay, stripe_api):
    from django.db import connection

    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait(timeout=10)
            results.append(cards.autopay_charge_due())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(_morning(5), tick=False):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors
    assert sorted(results) == [0, 1]
    assert len(stripe_api.requests_to("/v1/payment_intents")) == 1
    assert CardPayment.objects.filter(kind="autopay").count() == 1
    assert Payment.objects.filter(instalment__sequence=1).count() == 1


# The sweep reads every plan on autopay once, then charges their due instalments one by one
# (each a call to the card service). What the patient or the desk does meanwhile counts:
# each charge is decided again under the patient's lock from what is true at that moment.


def _on_december_5():
    # Both instalments due (November 5 and December 5): the sweep charges them in turn.
    return time_machine.travel(datetime.datetime(2026, 12, 5, 16, tzinfo=datetime.UTC), tick=False)


def _after_the_first_charge(monkeypatch, meanwhile):
    charge = cards._charge_saved_card

    def charge_then(card_payment, **kwargs):
        done = charge(card_payment, **kwargs)
        meanwhile()
        return done

    monkeypatch.setattr(cards, "_charge_saved_card", charge_then)


def test_a_patient_who_turns_autopay_off_while_the_sweep_runs_is_charged_no_more(
    plan_on_autopay, stripe_api, monkeypatch
):
    _after_the_first_charge(monkeypatch, lambda: cards.autopay_cancel(plan=plan_on_autopay))
    with _on_december_5():
        assert cards.autopay_charge_due() == 1
    assert len(stripe_api.requests_to("/v1/payment_intents")) == 1
    [attempt] = CardPayment.objects.filter(kind="autopay")
    assert attempt.instalment.sequence == 1


def test_an_instalment_the_desk_was_paid_while_the_sweep_runs_is_not_charged(
    plan_on_autopay, stripe_api, monkeypatch
):
    from billing.services.payments import payment_record

    second = plan_on_autopay.instalments.get(sequence=2)

    def desk_takes_cash():
        payment_record(
            patient=plan_on_autopay.patient,
            method="cash",
            amount=Decimal("100.00"),
            received_on=datetime.date(2026, 12, 5),
            instalment=second,
        )

    _after_the_first_charge(monkeypatch, desk_takes_cash)
    with _on_december_5():
        assert cards.autopay_charge_due() == 1
    assert len(stripe_api.requests_to("/v1/payment_intents")) == 1
    assert not CardPayment.objects.filter(kind="autopay", instalment=second).exists()
    assert Payment.objects.get(instalment=second).method == "cash"
