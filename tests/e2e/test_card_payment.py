"""A patient pays their balance by card in the portal, at phone width: the pay button hands
off to Stripe's hosted Checkout (the recorded session's address), and once the signed
webhook arrives the portal shows the balance paid."""

import copy
import datetime
from decimal import Decimal

import pytest
from django.test import Client

from billing.models import CardPayment, Payment
from billing.services.catalogue import service_codes_seed
from billing.services.charges import charge_approve, charges_suggest_for_session
from tests.billing.conftest import DENVER
from tests.billing.stripe_support import deliver, event, recorded
from tests.factories import completed_session

pytestmark = pytest.mark.django_db(transaction=True)

CHECKOUT_PAGE = (
    '<!doctype html><html lang="en"><head><title>Checkout</title>'
    '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
    "<body><main><h1>Checkout (recorded)</h1></main></body></html>"
)


def test_a_patient_pays_the_balance_in_the_portal_and_sees_it_paid_after_the_webhook(
    people, phone, phone_login, stripe_api, settings
):
    csp = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    csp["DIRECTIVES"]["form-action"].append(settings.STRIPE_CHECKOUT_ORIGIN)
    settings.CONTENT_SECURITY_POLICY = csp
    service_codes_seed(clinic=people.clinic)
    session = completed_session(
        patient=people.patient,
        clinician=people.therapist,
        starts_at=datetime.datetime(2026, 10, 5, 10, tzinfo=DENVER),
        minutes=55,
    )
    for charge in charges_suggest_for_session(session=session):
        charge_approve(charge=charge, approved_by=people.admin)
    checkout_url = recorded("checkout_session_payment")["url"]
    # Stripe's page itself is not fetched: the browser's request to it is answered here.
    phone.route("https://checkout.stripe.com/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=CHECKOUT_PAGE))  # fmt: skip

    phone_login("erin")
    phone.get_by_role("link", name="Payments").click()
    assert phone.get_by_test_id("balance").inner_text() == "$210.00"
    assert phone.get_by_label("Amount ($)").input_value() == "210.00"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_test_id("pay-balance").click()
    phone.wait_for_url(checkout_url)
    card_payment = CardPayment.objects.get()
    assert card_payment.status == "open"

    # Back from Checkout before Stripe's event: processing, still owed.
    phone.goto("/portal/payments/?checkout=done")
    assert "processing" in phone.get_by_test_id("processing").inner_text()
    assert phone.get_by_test_id("balance").inner_text() == "$210.00"

    paid = recorded(
        "checkout_session_payment",
        status="complete",
        payment_status="paid",
        payment_intent="pi_3PayBalance0001",
        metadata={"card_payment": str(card_payment.pk), "clinic": str(people.clinic.pk)},
    )
    delivered = deliver(Client(), event("checkout.session.completed", paid, event_id="evt_1E2E"))
    assert delivered.status_code == 200
    assert Payment.objects.get().amount == Decimal("210.00")

    phone.reload()
    assert phone.get_by_test_id("balance").inner_text() == "$0.00"
    assert phone.get_by_test_id("nothing-owed").is_visible()
