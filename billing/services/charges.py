"""Charges: suggested from completed sessions, reviewed by an admin, then billed.

Practice cannot call billing, so nothing happens at the moment a session is completed:
`charges_suggest_pending` (a periodic task, and the admin's review queue) finds completed
sessions without charges and suggests them from the session's kind and actual duration.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from backend.errors import full_clean_or_refuse
from billing.choices import ChargeStatus
from billing.codes import (
    EM_WITH_ADDONS,
    PSYCHOTHERAPY_ADDONS,
    TELEHEALTH_CODES,
    TELEHEALTH_MODIFIER,
)
from billing.errors import AddOnWithoutEM, ChargeLocked, InvalidCharge
from billing.models import Charge, Package, ServiceCode, SlidingScale, SuperbillLine
from billing.money import money
from billing.selectors import package_sessions_used, sessions_awaiting_charges
from billing.validators import validate_pointers
from controlled.selectors import dose_drug
from controlled.validators import ndc_11
from practice.choices import Route, SessionKind, SessionStatus, StaffRole
from practice.esketamine import is_esketamine
from practice.models import Diagnosis, Session
from scheduling.models import RetreatSession

# HCPCS G2082 covers esketamine nasal self-administration up to 56 mg; G2083 more than that.
ESKETAMINE_G2082_UP_TO_MG = Decimal("56")


# ---------------------------------------------------------------- what to suggest


@dataclass(frozen=True)
class Suggestion:
    code: str
    units: int = 1
    modifiers: list[str] = field(default_factory=list)


def actual_minutes(session: Session) -> int:
    """Minutes the session really lasted: check-in to completion when both were recorded,
    else the booked times."""
    if (
        session.checked_in_at
        and session.completed_at
        and session.completed_at > session.checked_in_at
    ):
        return int((session.completed_at - session.checked_in_at).total_seconds() // 60)
    return session.duration_minutes


def psychotherapy_code(minutes: int) -> str | None:
    """CPT time bands: 16–37 min → 90832, 38–52 → 90834, 53 or more → 90837; under 16 min
    psychotherapy is not billable."""
    if minutes < 16:
        return None
    if minutes <= 37:
        return "90832"
    if minutes <= 52:
        return "90834"
    return "90837"


def hourly_units(minutes: int) -> int:
    """Units of an "each hour" code: an hour counts once more than half of it has passed
    (31 min → 1, 90 → 1, 91 → 2)."""
    return max(1, (minutes + 29) // 60)


def suggest_codes(session: Session, *, minutes: int | None = None) -> list[Suggestion]:
    """The codes a completed session is billed with; [] when it is not billable as such.
    A video session's psychotherapy and E/M codes carry modifier 95."""
    suggestions = _suggest_codes(session, minutes=minutes)
    if session.is_video:
        suggestions = [
            Suggestion(s.code, s.units, [*s.modifiers, TELEHEALTH_MODIFIER])
            if s.code in TELEHEALTH_CODES and TELEHEALTH_MODIFIER not in s.modifiers
            else s
            for s in suggestions
        ]
    return suggestions


def place_of_service_for(session: Session) -> str:
    """Where a session's charges say it happened: the clinic's telehealth code (10, the
    patient's home, or 02) for a video session, else the clinic's own."""
    if session.is_video:
        return session.clinic.telehealth_place_of_service
    return session.clinic.place_of_service


def _suggest_codes(session: Session, *, minutes: int | None) -> list[Suggestion]:
    minutes = actual_minutes(session) if minutes is None else minutes
    if session.kind in (SessionKind.PREPARATION, SessionKind.INTEGRATION):
        is_first = not (
            Session.objects.filter(patient_id=session.patient_id, status=SessionStatus.COMPLETED)
            .filter(
                Q(starts_at__lt=session.starts_at)
                | Q(starts_at=session.starts_at, pk__lt=session.pk)
            )
            .exists()
        )
        if session.kind == SessionKind.PREPARATION and is_first and minutes >= 16:
            medical = session.clinician.role == StaffRole.MEDICAL
            return [Suggestion("90792" if medical else "90791")]
        code = psychotherapy_code(minutes)
        return [Suggestion(code)] if code else []
    # Dosing: what is billed depends on the route the dose was given by.
    dosing = getattr(session, "dosing", None) if _has_dosing(session) else None
    route = (
        dosing.route if dosing else (session.plan.route if session.plan_id else Route.INTRAMUSCULAR)
    )
    monitoring = Suggestion("0820T", hourly_units(minutes))
    if is_esketamine(route):
        # G2082 (up to 56 mg) and G2083 (over 56 mg) are esketamine's codes, each with its
        # two hours of observation (which the discharge enforced); read from the dose given,
        # so a session without a recorded dose suggests nothing.
        if dosing is None:
            return []
        return [Suggestion("G2083" if dosing.dose_mg > ESKETAMINE_G2082_UP_TO_MG else "G2082")]
    if route == Route.INTRANASAL:
        # Ketamine from the clinic's vial by atomiser: the drug and the monitoring, never
        # the esketamine codes.
        return [Suggestion("J3490"), monitoring]
    if route in (Route.INTRAMUSCULAR, Route.SUBCUTANEOUS):
        return [Suggestion("96372"), Suggestion("J3490"), monitoring]
    if route == Route.INTRAVENOUS:
        extra_hours = max(0, (minutes - 60 + 29) // 60)
        lines = [Suggestion("96365"), Suggestion("J3490")]
        if extra_hours:
            lines.insert(1, Suggestion("96366", extra_hours))
        return lines
    return [monitoring]  # oral lozenge: the drug is a prescription, not billed here


def _has_dosing(session) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return session.dosing is not None
    except ObjectDoesNotExist:
        return False


# ---------------------------------------------------------------- amounts


def _discount_percent(patient_id) -> Decimal:
    scale = SlidingScale.objects.filter(patient_id=patient_id).first()
    return scale.percent if scale else Decimal(0)


def _package_for(session: Session) -> tuple[Package | None, int]:
    """The package paying for this session and which of its sessions this is (1-based).

    A retreat's session is paid by that retreat's package (made at the retreat's price on
    its first charge if the admin made none); any other session by the patient's oldest
    prepaid package that covers its kind and date and has sessions left. The package row is
    locked, so sessions charged at once never get the same place in it.
    """
    from billing.services.catalogue import retreat_package_for

    entry = RetreatSession.objects.filter(session=session).select_related("enrollment").first()
    if entry is not None:
        package = retreat_package_for(entry.enrollment)
        candidates = [package] if package else []
    else:
        day = timezone.localtime(session.starts_at, session.clinic.zone).date()
        candidates = (
            Package.objects.filter(patient_id=session.patient_id, retreat__isnull=True)
            .filter(Q(session_kind="") | Q(session_kind=session.kind))
            .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=day))
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
            .order_by("created_at", "id")
        )
    for package in candidates:
        package = Package.objects.select_for_update().get(pk=package.pk)
        used = package_sessions_used(package)
        if used < package.sessions_included:
            return package, used + 1
    return None, 0


def _split(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` in proportion to `weights`, to the cent, the remainder on the last share."""
    weight_sum = sum(weights)
    shares = []
    for weight in weights[:-1]:
        shares.append(
            money(total * weight / weight_sum) if weight_sum else money(total / len(weights))
        )
    shares.append(total - sum(shares))
    return shares


# ---------------------------------------------------------------- services


@transaction.atomic
def charges_suggest_for_session(*, session: Session) -> list[Charge]:
    """Suggest the charges of one completed session (status `suggested`, for review).

    Locks the session row, so two runs never suggest twice; a session that already has
    charges gets nothing new (safe to run again). The fee is the clinic's standard fee less
    the patient's sliding scale, or the session's share of a package price.
    """
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("clinic", "clinician", "plan")
        .get(pk=session.pk)
    )
    if session.status != SessionStatus.COMPLETED:
        raise InvalidCharge("Charges are suggested only for completed sessions.")
    if Charge.objects.filter(session=session).exclude(status=ChargeStatus.VOID).exists():
        return []
    suggestions = suggest_codes(session)
    if not suggestions:
        return []
    codes = {
        c.code: c
        for c in ServiceCode.objects.for_clinic(session.clinic_id).filter(
            code__in=[s.code for s in suggestions], is_active=True
        )
    }
    suggestions = [s for s in suggestions if s.code in codes]
    if not suggestions:
        return []
    pointers = list(
        Diagnosis.objects.filter(patient_id=session.patient_id)
        .order_by("rank")
        .values_list("rank", flat=True)[:4]
    )
    day = timezone.localtime(session.starts_at, session.clinic.zone).date()
    dosing = session.dosing if _has_dosing(session) else None
    list_amounts = [codes[s.code].fee * s.units for s in suggestions]
    package, index = _package_for(session)
    if package:
        share = money(package.price / package.sessions_included)
        if index == package.sessions_included:
            share = package.price - share * (package.sessions_included - 1)
        amounts = _split(share, list_amounts)
    else:
        percent = _discount_percent(session.patient_id)
        amounts = [money(amount * (100 - percent) / 100) for amount in list_amounts]
    created = []
    for suggestion, list_amount, amount in zip(suggestions, list_amounts, amounts, strict=True):
        service_code = codes[suggestion.code]
        charge = Charge(
            clinic_id=session.clinic_id,
            patient_id=session.patient_id,
            session=session,
            service_code=service_code,
            code=service_code.code,
            description=service_code.description,
            date_of_service=day,
            place_of_service=place_of_service_for(session),
            modifiers=list(suggestion.modifiers),
            units=suggestion.units,
            unit_fee=service_code.fee,
            discount=max(Decimal(0), money(list_amount) - amount),
            amount=amount,
            package=package,
            rendering_provider_id=session.clinician_id,
            diagnosis_pointers=pointers,
            status=ChargeStatus.SUGGESTED,
            note=f"{package.name}: session {index} of {package.sessions_included}"
            if package
            else "",
        )
        if dosing is not None and service_code.code.startswith("J"):
            _carry_drug(charge, dosing)
        charge.full_clean()
        charge.save()
        created.append(charge)
    return created


def _carry_drug(charge: Charge, dosing) -> None:
    """Put the dose's drug on its J-code line: the NDC of the lot drawn, the quantity given
    in the product's unit and the dose in mg. Left blank when the ledger has no
    administration or the product no NDC; the superbill then names what is missing."""
    drug = dose_drug(dosing_record_id=dosing.pk)
    if drug is not None:
        charge.ndc = drug.ndc
        charge.drug_quantity = drug.quantity
        charge.drug_unit = drug.unit
        charge.drug_dose_mg = drug.dose_mg


def charges_suggest_pending(*, clinic_id=None, limit: int = 500) -> int:
    """Suggest charges for completed sessions that have none (each session in its own
    transaction). Returns how many charges were suggested. Safe to run concurrently."""
    count = 0
    for session in sessions_awaiting_charges(clinic_id=clinic_id).order_by("starts_at")[:limit]:
        count += len(charges_suggest_for_session(session=session))
    return count


def _check_pointers(*, patient_id, pointers: list[int]) -> None:
    try:
        validate_pointers(pointers)
    except ValidationError as exc:
        raise InvalidCharge(exc.messages[0], code="invalid_pointer") from exc
    ranks = set(Diagnosis.objects.filter(patient_id=patient_id).values_list("rank", flat=True))
    unknown = [p for p in pointers if p not in ranks]
    if unknown:
        recorded = ", ".join(map(str, sorted(ranks))) or "none recorded"
        raise InvalidCharge(
            f"Diagnosis pointer {', '.join(map(str, unknown))} does not match any of the "
            f"patient's ranked diagnoses ({recorded}).",
            code="invalid_pointer",
        )


def _check_addon(charge: Charge) -> None:
    if charge.code not in PSYCHOTHERAPY_ADDONS:
        return
    has_em = (
        Charge.objects.filter(
            patient_id=charge.patient_id,
            date_of_service=charge.date_of_service,
            rendering_provider_id=charge.rendering_provider_id,
            code__in=EM_WITH_ADDONS,
        )
        .exclude(status=ChargeStatus.VOID)
        .exclude(pk=charge.pk)
        .exists()
    )
    if not has_em:
        raise AddOnWithoutEM(
            f"{charge.code} is an add-on: bill it only with an E/M code 99212–99215 by the same "
            f"provider on {charge.date_of_service:%m/%d/%Y}."
        )


def _refuse_if_locked(charge: Charge) -> None:
    if charge.status == ChargeStatus.VOID:
        raise ChargeLocked("This charge is void and cannot change.")
    if SuperbillLine.objects.filter(charge=charge, is_active=True).exists():
        raise ChargeLocked(
            "This charge is on an issued superbill; void the superbill to correct it."
        )


def _validated(charge: Charge) -> Charge:
    full_clean_or_refuse(charge, InvalidCharge)
    return charge


@transaction.atomic
def charge_create(
    *,
    patient,
    code: str,
    date_of_service: datetime.date,
    rendering_provider,
    diagnosis_pointers: list[int],
    units: int = 1,
    modifiers: list[str] | None = None,
    place_of_service: str | None = None,
    session: Session | None = None,
    approved_by=None,
    note: str = "",
) -> Charge:
    """Add a charge by hand (an admin's own entry is approved at once). Applies the
    sliding scale. Raises InvalidCharge (unknown code, bad pointer, provider of another
    clinic) or AddOnWithoutEM."""
    service_code = ServiceCode.objects.for_clinic(patient.clinic_id).filter(code=code).first()
    if service_code is None:
        raise InvalidCharge(f"{code} is not in this clinic's service codes.", code="unknown_code")
    if rendering_provider.clinic_id != patient.clinic_id:
        raise InvalidCharge("The rendering provider works at another clinic.")
    if session is not None and session.patient_id != patient.pk:
        raise InvalidCharge("That session belongs to another patient.")
    _check_pointers(patient_id=patient.pk, pointers=diagnosis_pointers)
    list_amount = service_code.fee * units
    amount = money(list_amount * (100 - _discount_percent(patient.pk)) / 100)
    charge = Charge(
        clinic_id=patient.clinic_id,
        patient=patient,
        session=session,
        service_code=service_code,
        code=service_code.code,
        description=service_code.description,
        date_of_service=date_of_service,
        place_of_service=place_of_service or patient.clinic.place_of_service,
        modifiers=list(modifiers or []),
        units=units,
        unit_fee=service_code.fee,
        discount=money(list_amount) - amount,
        amount=amount,
        rendering_provider=rendering_provider,
        diagnosis_pointers=list(diagnosis_pointers),
        status=ChargeStatus.APPROVED if approved_by else ChargeStatus.SUGGESTED,
        approved_by=approved_by,
        approved_at=timezone.now() if approved_by else None,
        note=note,
    )
    _validated(charge)
    _check_addon(charge)
    charge.save()
    if approved_by:
        from billing.services.payments import payments_apply_credit

        payments_apply_credit(patient=patient)
    return charge


CHARGE_EDITABLE = frozenset(
    {
        "modifiers",
        "units",
        "diagnosis_pointers",
        "place_of_service",
        "date_of_service",
        "note",
        "ndc",
        "drug_quantity",
        "drug_unit",
        "drug_dose_mg",
    }
)


@transaction.atomic
def charge_update(*, charge: Charge, **fields) -> Charge:
    """Correct a charge before it is billed: modifiers, units, pointers, place and date of
    service, note, and a drug line's NDC (any labelled shape, stored as its 11 digits),
    quantity, unit and dose. Units re-price a non-package line. Refused once the charge is on
    an issued superbill (ChargeLocked)."""
    unknown = set(fields) - CHARGE_EDITABLE
    if unknown:
        raise InvalidCharge(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    charge = Charge.objects.select_for_update().get(pk=charge.pk)
    _refuse_if_locked(charge)
    if "diagnosis_pointers" in fields:
        _check_pointers(patient_id=charge.patient_id, pointers=fields["diagnosis_pointers"])
    if fields.get("ndc"):
        try:
            fields["ndc"] = ndc_11(fields["ndc"])
        except ValidationError as error:
            message = error.messages[0]
            raise InvalidCharge(message, extra={"fields": {"ndc": [message]}}) from error
    for name, value in fields.items():
        setattr(charge, name, value)
    if "units" in fields and charge.package_id is None:
        list_amount = charge.unit_fee * charge.units
        charge.amount = money(list_amount * (100 - _discount_percent(charge.patient_id)) / 100)
        charge.discount = money(list_amount) - charge.amount
        applied = charge.allocations.aggregate(s=Sum("amount"))["s"] or Decimal(0)
        if charge.amount < applied:
            raise InvalidCharge("Payments already applied exceed the new amount.")
    _validated(charge)
    charge.save()
    return charge


@transaction.atomic
def charge_approve(*, charge: Charge, approved_by) -> Charge:
    """An admin confirms a suggested charge is right to bill. Requires 1–4 diagnosis
    pointers that match the patient's ranked diagnoses and, for a psychotherapy add-on,
    an E/M code that day. Unapplied payments are then applied to it."""
    charge = Charge.objects.select_for_update().get(pk=charge.pk)
    if charge.status != ChargeStatus.SUGGESTED:
        raise ChargeLocked(f"Only a suggested charge can be approved; this one is {charge.status}.")
    _check_pointers(patient_id=charge.patient_id, pointers=charge.diagnosis_pointers)
    _check_addon(charge)
    charge.status = ChargeStatus.APPROVED
    charge.approved_by = approved_by
    charge.approved_at = timezone.now()
    _validated(charge)
    charge.save()
    from billing.services.payments import payments_apply_credit

    payments_apply_credit(patient=charge.patient)
    return charge


@transaction.atomic
def charge_void(*, charge: Charge, reason: str) -> Charge:
    """Withdraw a charge that should not be billed. Payments applied to it become credit
    again. Refused when it is on an issued superbill."""
    charge = Charge.objects.select_for_update().get(pk=charge.pk)
    _refuse_if_locked(charge)
    if not reason.strip():
        raise InvalidCharge("Say why the charge is void.")
    charge.allocations.all().delete()
    charge.status = ChargeStatus.VOID
    charge.voided_at = timezone.now()
    charge.void_reason = reason.strip()
    charge.save()
    return charge
