"""The clinic's catalogue of service codes and fees, and patients' sliding-scale discounts."""

from decimal import Decimal

from django.db import transaction

from billing.codes import CATALOGUE, PSYCHOTHERAPY_ADDONS
from billing.models import ServiceCode, SlidingScale


@transaction.atomic
def service_codes_seed(*, clinic) -> int:
    """Add the standard KAP codes the clinic does not have yet (existing fees are kept).
    Returns how many codes were added."""
    existing = set(ServiceCode.objects.for_clinic(clinic.pk).values_list("code", flat=True))
    added = 0
    for code, description, fee in CATALOGUE:
        if code in existing:
            continue
        service_code = ServiceCode(
            clinic=clinic,
            code=code,
            description=description,
            fee=fee,
            requires_em=code in PSYCHOTHERAPY_ADDONS,
        )
        service_code.full_clean()
        service_code.save()
        added += 1
    return added


@transaction.atomic
def sliding_scale_set(*, patient, percent: Decimal, reason: str = "") -> SlidingScale:
    """Set the patient's discount off standard fees; it applies to charges created from now
    on (issued and approved charges keep their amounts)."""
    scale = SlidingScale.objects.filter(patient=patient).first() or SlidingScale(
        patient=patient, clinic_id=patient.clinic_id
    )
    scale.percent = Decimal(percent)
    scale.reason = reason
    scale.full_clean()
    scale.save()
    return scale
