"""Data for billing's panels on pages other apps own (patient, session, portal)."""

from django import template

from billing.choices import ChargeStatus, SuperbillStatus
from billing.models import Charge, Superbill
from billing.selectors import patient_balance

register = template.Library()


@register.simple_tag
def billing_patient_summary(patient):
    return {
        "balance": patient_balance(patient_id=patient.pk),
        "to_review": Charge.objects.filter(patient=patient, status=ChargeStatus.SUGGESTED).count(),
        "superbills": Superbill.objects.filter(patient=patient)[:3],
    }


@register.simple_tag
def billing_session_charges(session):
    live = Charge.objects.filter(session=session).exclude(status=ChargeStatus.VOID)
    return list(live.order_by("id"))


@register.simple_tag
def billing_portal_superbills(patient):
    return Superbill.objects.filter(patient=patient, status=SuperbillStatus.ISSUED)[:5]


@register.simple_tag
def card_payments_on() -> bool:
    """Whether card payments (Stripe) are configured: pay buttons show only then."""
    from billing import stripe_gateway

    return stripe_gateway.configured()
