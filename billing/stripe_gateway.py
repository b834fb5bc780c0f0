"""The only code that calls Stripe (the `stripe` library). Everything else asks this module.

Each call sends the secret key, the pinned API version (`STRIPE_API_VERSION`) and, for a
write, an idempotency key, so a retried request never makes a second charge, session or
refund. Answers come back as plain dicts of the fields billing reads. A failure Stripe
reports becomes `CardGatewayError` (a decline: `CardDeclined`), with a message a person can
act on; nothing about the card or the patient is logged.
"""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal

import stripe
from django.conf import settings

from billing.errors import CardDeclined, CardGatewayError, WebhookRefused

log = logging.getLogger(__name__)


def configured() -> bool:
    """Whether card payments are on: a secret key and a webhook signing secret are set."""
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def to_cents(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _options(idempotency_key: str | None = None) -> dict:
    stripe.api_base = settings.STRIPE_API_BASE
    options = {
        "api_key": settings.STRIPE_SECRET_KEY,
        "stripe_version": settings.STRIPE_API_VERSION,
    }
    if idempotency_key:
        options["idempotency_key"] = idempotency_key
    return options


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except stripe.CardError as exc:
        raise CardDeclined(
            exc.user_message or "The card was declined.", extra={"decline_code": exc.code or ""}
        ) from exc
    except stripe.StripeError as exc:
        log.warning("Stripe request failed: %s (%s)", type(exc).__name__, exc.http_status)
        raise CardGatewayError(
            "The card service could not be reached or refused the request; nothing was "
            "charged. Try again in a minute."
        ) from exc


def customer_create(*, metadata: dict, idempotency_key: str) -> str:
    """A Stripe customer for a patient's saved cards; its id."""
    customer = _call(stripe.Customer.create, metadata=metadata, **_options(idempotency_key))
    return customer["id"]


def checkout_payment_create(
    *,
    amount: Decimal,
    description: str,
    metadata: dict,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
    customer_id: str = "",
) -> dict:
    """A hosted Checkout Session (payment mode) for one line of `amount`; {id, url}."""
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": settings.STRIPE_CURRENCY,
                    "unit_amount": to_cents(amount),
                    "product_data": {"name": description},
                },
            }
        ],
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if customer_id:
        params["customer"] = customer_id
    session = _call(stripe.checkout.Session.create, **params, **_options(idempotency_key))
    return {"id": session["id"], "url": session["url"]}


def checkout_setup_create(
    *, customer_id: str, metadata: dict, success_url: str, cancel_url: str, idempotency_key: str
) -> dict:
    """A hosted Checkout Session in setup mode: the patient saves a card; {id, url}."""
    session = _call(
        stripe.checkout.Session.create,
        mode="setup",
        currency=settings.STRIPE_CURRENCY,
        customer=customer_id,
        metadata=metadata,
        setup_intent_data={"metadata": metadata},
        success_url=success_url,
        cancel_url=cancel_url,
        **_options(idempotency_key),
    )
    return {"id": session["id"], "url": session["url"]}


def setup_intent_card(setup_intent_id: str) -> dict:
    """The card a completed SetupIntent saved: customer, payment method id, brand, last4,
    expiry."""
    intent = _call(
        stripe.SetupIntent.retrieve, setup_intent_id, expand=["payment_method"], **_options()
    )
    method = intent["payment_method"]
    card = method["card"]
    return {
        "customer_id": intent["customer"] or method["customer"],
        "payment_method_id": method["id"],
        "brand": card["brand"],
        "last4": card["last4"],
        "exp_month": card["exp_month"],
        "exp_year": card["exp_year"],
    }


def payment_method_detach(payment_method_id: str) -> None:
    _call(stripe.PaymentMethod.detach, payment_method_id, **_options())


def saved_card_charge(
    *,
    amount: Decimal,
    customer_id: str,
    payment_method_id: str,
    metadata: dict,
    idempotency_key: str,
    description: str,
) -> dict:
    """Charge a saved card without the patient present (confirm now, off session).
    {id, status}; a decline raises CardDeclined."""
    intent = _call(
        stripe.PaymentIntent.create,
        amount=to_cents(amount),
        currency=settings.STRIPE_CURRENCY,
        customer=customer_id,
        payment_method=payment_method_id,
        confirm=True,
        off_session=True,
        description=description,
        metadata=metadata,
        **_options(idempotency_key),
    )
    return {"id": intent["id"], "status": intent["status"]}


def refund_create(
    *, payment_intent_id: str, amount: Decimal, metadata: dict, idempotency_key: str
) -> dict:
    """Ask Stripe to give back `amount` of a PaymentIntent; {id, status}."""
    refund = _call(
        stripe.Refund.create,
        payment_intent=payment_intent_id,
        amount=to_cents(amount),
        metadata=metadata,
        **_options(idempotency_key),
    )
    return {"id": refund["id"], "status": refund["status"]}


def event_verify(*, payload: bytes, signature: str) -> dict:
    """The webhook event in `payload` after checking its signature against
    `STRIPE_WEBHOOK_SECRET` (and its timestamp against the default tolerance, five minutes).
    WebhookRefused when either fails or the payload is not an event."""
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, api_key=settings.STRIPE_SECRET_KEY
        )
    except stripe.SignatureVerificationError as exc:
        raise WebhookRefused("The signature does not match this endpoint's secret.") from exc
    except ValueError as exc:
        raise WebhookRefused("The body is not a Stripe event.") from exc
    return event.to_dict()
