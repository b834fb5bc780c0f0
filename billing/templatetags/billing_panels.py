"""Data for billing's panels on pages other apps own (patient, session, portal)."""

from django import template

from billing.models import Charge, Superbill
from billing.services.payments import patient_balance

register = template.Library()


@register.simple_tag
def billing_patient_summary(patient):
    return {
        "balance": patient_balance(patient_id=patient.pk),
        "to_review": Charge.objects.filter(patient=patient, status="suggested").count(),
        "superbills": Superbill.objects.filter(patient=patient)[:3],
    }


@register.simple_tag
def billing_session_charges(session):
    return list(Charge.objects.filter(session=session).exclude(status="void").order_by("id"))


@register.simple_tag
def billing_portal_superbills(patient):
    return Superbill.objects.filter(patient=patient, status="issued")[:5]
