"""Data for billing's panels on pages other apps own (patient, session, portal)."""

import datetime

from django import template
from django.utils import timezone

from backend.roles import ADMIN, staff_for
from billing.choices import ChargeStatus, SuperbillStatus
from billing.models import Charge, GoodFaithEstimate, Refund, Superbill
from billing.selectors import (
    estimates_due_list,
    patient_balance,
    sessions_without_estimate,
)

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


@register.simple_tag(takes_context=True)
def billing_estimates_due(context):
    """For an admin: the plans whose Good Faith Estimate is due but could not be issued
    (with what is missing), and self-pay patients' sessions starting soon without a current
    estimate. None for anyone else. Two queries."""
    staff = staff_for(context["request"].user)
    if staff is None or staff.role != ADMIN:
        return None
    # Only the columns the panel shows: Today builds this on every admin's visit.
    patient_name = ("patient__legal_first_name", "patient__legal_last_name")
    return {
        "due": list(
            estimates_due_list(clinic_id=staff.clinic_id)
            .select_related(None)
            .select_related("patient")
            .only("missing", *patient_name)
        ),
        "uncovered": list(
            sessions_without_estimate(clinic_id=staff.clinic_id).only("starts_at", *patient_name)
        ),
    }


@register.simple_tag
def billing_session_without_estimate(session) -> bool:
    """Whether this session of a self-pay patient starts soon with no current estimate."""
    return sessions_without_estimate(clinic_id=session.clinic_id).filter(pk=session.pk).exists()


@register.simple_tag
def billing_portal_estimates(patient):
    """The patient's current Good Faith Estimates (one per plan)."""
    return list(GoodFaithEstimate.objects.filter(patient=patient, superseded_by__isnull=True))


@register.simple_tag(takes_context=True)
def billing_refunds_failed(context):
    """For an admin: card refunds that failed in the last 30 days (the email about one
    links here). None for anyone else."""
    staff = staff_for(context["request"].user)
    if staff is None or staff.role != ADMIN:
        return None
    since = timezone.now() - datetime.timedelta(days=30)
    return list(
        Refund.objects.filter(
            payment__clinic_id=staff.clinic_id, status="failed", failed_at__gte=since
        ).select_related("payment__patient")
    )
