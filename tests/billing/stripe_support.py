"""Stripe, recorded: the real `stripe` library talks to answers recorded under
tests/billing/stripe/ (shapes of API version settings.STRIPE_API_VERSION), served by
`responses` in this process, never the network; webhook deliveries carry real signatures
made with a test signing secret, exactly as Stripe computes them.

The `stripe_api` fixture is offered by tests/billing/conftest.py and tests/e2e/conftest.py.
"""

import copy
import hashlib
import hmac
import json
import re
import time
from pathlib import Path

import pytest
import responses

RECORDINGS = Path(__file__).parent / "stripe"
API = "http://stripe.test"
WEBHOOK_SECRET = "whsec_test_4eC39HqLyjWDarjtT1zdp7dc"


def recorded(name: str, **overrides) -> dict:
    """The recorded object `name` (a JSON file), with top-level fields replaced."""
    data = json.loads((RECORDINGS / f"{name}.json").read_text())
    data.update(overrides)
    return data


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """The Stripe-Signature header for `payload`: t=<unix time>,v1=HMAC-SHA256 of
    "<t>.<payload>" under the endpoint's secret."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def event(event_type: str, obj: dict, *, event_id: str) -> bytes:
    """A webhook delivery's body: the recorded event envelope around `obj`."""
    envelope = copy.deepcopy(recorded("event"))
    envelope.update(id=event_id, type=event_type, data={"object": obj})
    return json.dumps(envelope).encode()


def deliver(client, payload: bytes, signature: str | None = None):
    """POST a delivery to the webhook endpoint as Stripe does (signed unless told)."""
    return client.post(
        "/billing/stripe/webhook/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature if signature is not None else sign(payload)},
    )


class StripeApi:
    """The recorded API: each route answers its recording; `calls` lists what was asked
    (method, path, form body as a dict of lists) so tests can check idempotency keys."""

    def __init__(self, mock: responses.RequestsMock):
        self.mock = mock

    def answer(self, method: str, path: str, body: dict, status: int = 200):
        self.mock.replace(method, re.compile(re.escape(API + path) + r"(\?.*)?$"), json=body,
                          status=status)  # fmt: skip

    @property
    def calls(self):
        return [
            (c.request.method, c.request.path_url.split("?")[0], c.request) for c in self.mock.calls
        ]

    def requests_to(self, path: str):
        return [c.request for c in self.mock.calls if c.request.path_url.split("?")[0] == path]


@pytest.fixture
def stripe_api(settings):
    """Card payments on, against the recorded API."""
    settings.STRIPE_SECRET_KEY = "sk_test_51RecordedKeyForTestsOnly"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_51RecordedKeyForTestsOnly"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = API
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        api = StripeApi(mock)
        for method, path, name in [
            ("POST", "/v1/checkout/sessions", "checkout_session_payment"),
            ("POST", "/v1/customers", "customer"),
            ("GET", "/v1/setup_intents/seti_1SaveCard0001", "setup_intent"),
            ("POST", "/v1/payment_methods/pm_1Visa4242/detach", "payment_method_detached"),
            ("POST", "/v1/payment_intents", "payment_intent_succeeded"),
            ("POST", "/v1/refunds", "refund"),
        ]:
            mock.add(method, re.compile(re.escape(API + path) + r"(\?.*)?$"), json=recorded(name))
        yield api
