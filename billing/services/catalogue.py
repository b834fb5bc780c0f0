"""The clinic's catalogue of service codes and fees, and what a patient pays instead of the
standard fee: a sliding-scale discount, a prepaid package, a retreat package."""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from backend.errors import InvalidInput, full_clean_or_refuse
from billing.choices import PackageKind
from billing.codes import CATALOGUE, PSYCHOTHERAPY_ADDONS
from billing.errors import RetreatPackageRefused
from billing.models import Package, ServiceCode, SlidingScale
from billing.selectors import retreat_sessions_of
from scheduling.choices import EnrollmentStatus
from scheduling.models import Enrollment


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
    scale.percent = _decimal(percent, "percent")
    scale.reason = reason
    full_clean_or_refuse(scale)
    scale.save()
    return scale


@transaction.atomic
def sliding_scale_remove(*, patient) -> None:
    """Back to the standard fee for charges created from now on."""
    SlidingScale.objects.filter(patient=patient).delete()


def _decimal(value, field: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise InvalidInput(
            f"{field}: enter a number.", extra={"fields": {field: ["Enter a number."]}}
        ) from exc


@transaction.atomic
def package_create(
    *,
    patient,
    name: str,
    price,
    sessions_included: int,
    session_kind: str = "",
    starts_on=None,
    ends_on=None,
    created_by=None,
) -> Package:
    """Sell the patient a prepaid package: one price for the next `sessions_included`
    completed sessions (of `session_kind`, between the dates if given) outside retreats.
    Each covered session's charges carry an equal share of the price, the last one the
    remaining cents."""
    if starts_on and ends_on and ends_on < starts_on:
        message = "The package ends before it starts: check its dates."
        raise InvalidInput(message, extra={"fields": {"ends_on": [message]}})
    package = Package(
        clinic_id=patient.clinic_id,
        patient=patient,
        kind=PackageKind.PREPAID,
        name=name.strip(),
        price=_decimal(price, "price"),
        sessions_included=sessions_included,
        session_kind=session_kind or "",
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=created_by,
    )
    full_clean_or_refuse(package)
    package.save()
    return package


@transaction.atomic
def retreat_package_create(*, enrollment: Enrollment, price=None, created_by=None) -> Package:
    """One price for the patient's whole retreat, itemised by session on the superbill.

    Covers exactly the sessions the retreat's timetable gave this enrollment (generate the
    timetable first); the price is the retreat's unless another is agreed. Refused for a
    patient who is not enrolled (waitlisted or cancelled) or already has the package.
    """
    enrollment = (
        Enrollment.objects.select_for_update().select_related("retreat").get(pk=enrollment.pk)
    )
    retreat = enrollment.retreat
    if enrollment.status != EnrollmentStatus.ENROLLED:
        raise RetreatPackageRefused(
            f"{enrollment.patient} is {enrollment.get_status_display().lower()} at "
            f"{retreat.name}, not enrolled: there is nothing to price yet."
        )
    if Package.objects.filter(patient_id=enrollment.patient_id, retreat=retreat).exists():
        raise RetreatPackageRefused(f"{retreat.name} already has a package for this patient.")
    sessions = retreat_sessions_of(enrollment).count()
    if not sessions:
        raise RetreatPackageRefused(
            f"{retreat.name} has no sessions for this patient yet: generate its timetable first."
        )
    package = Package(
        clinic_id=enrollment.clinic_id,
        patient_id=enrollment.patient_id,
        kind=PackageKind.RETREAT,
        retreat=retreat,
        name=retreat.name,
        price=retreat.price if price in (None, "") else _decimal(price, "price"),
        sessions_included=sessions,
        starts_on=retreat.starts_on,
        ends_on=retreat.ends_on,
        created_by=created_by,
    )
    full_clean_or_refuse(package)
    package.save()
    return package


def retreat_package_for(enrollment: Enrollment) -> Package | None:
    """The enrollment's retreat package, created at the retreat's price if there is none yet;
    None when there is nothing to price (not enrolled, no sessions). Locks the enrollment, so
    two sessions charged at once share one package."""
    Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
    package = Package.objects.filter(
        patient_id=enrollment.patient_id, retreat_id=enrollment.retreat_id
    ).first()
    if package is not None:
        return package
    try:
        return retreat_package_create(enrollment=enrollment)
    except RetreatPackageRefused:
        return None
