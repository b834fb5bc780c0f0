"""Writes to the ledger: products, receiving lots, administrations, waste and other entries.

Every function is keyword-only and runs in one transaction. Every entry is appended under
a row lock on its lot (`_common.lock_lot`), so the balance can never be taken below zero,
even by two people at once; entries are never changed afterwards (corrections are
reversals).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from practice.choices import Route
from practice.controlled.choices import MANUAL_KINDS, EntryKind
from practice.controlled.errors import (
    AlreadyAdministered,
    AlreadyReversed,
    InvalidInput,
    LotExpired,
)
from practice.controlled.models import LedgerEntry, Lot, Product, Registration
from practice.controlled.services._common import (
    append_entry,
    check_when,
    check_witness,
    fmt_mg,
    lock_lot,
    positive_mg,
)
from practice.controlled.validators import normalize_dea_number, validate_dea_number
from practice.models import Clinic, DosingRecord, StaffMember


def _same_clinic(clinic_id: int, *staff: StaffMember | None) -> None:
    for person in staff:
        if person is not None and person.clinic_id != clinic_id:
            raise InvalidInput(f"{person.display_name} works at another clinic.")


def _local_date(clinic: Clinic, moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, timezone=_zone(clinic)).date()


def _zone(clinic: Clinic):
    import zoneinfo

    return zoneinfo.ZoneInfo(clinic.timezone)


@transaction.atomic
def registration_set(
    *, clinic: Clinic, registrant_name: str, dea_number: str, schedules: str = "", expires_on=None
) -> Registration:
    """Record or replace the clinic's DEA registration (printed on every report)."""
    registration = Registration.objects.filter(clinic=clinic).first() or Registration(clinic=clinic)
    registration.registrant_name = registrant_name
    registration.dea_number = normalize_dea_number(dea_number)
    if schedules:
        registration.schedules = schedules
    registration.expires_on = expires_on
    registration.full_clean()
    registration.save()
    return registration


@transaction.atomic
def product_create(
    *,
    clinic: Clinic,
    name: str,
    form: str,
    strength_mg: Decimal,
    units_per_container: Decimal,
    substance: str = "Ketamine hydrochloride",
    schedule: str = "III",
    ndc: str = "",
) -> Product:
    """Add a product the clinic stocks. Raises ValidationError per field."""
    product = Product(
        clinic=clinic,
        name=name,
        form=form,
        strength_mg=strength_mg,
        units_per_container=units_per_container,
        substance=substance,
        schedule=schedule,
        ndc=ndc,
    )
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def lot_receive(
    *,
    product: Product,
    lot_number: str,
    expires_on: datetime.date,
    supplier_name: str,
    supplier_address: str,
    supplier_dea_number: str,
    containers_received: int,
    invoice_number: str,
    received_by: StaffMember,
    received_at: datetime.datetime | None = None,
    reference: str = "",
) -> Lot:
    """Receive a lot: creates the lot and its receipt entry (containers × mg per container).

    Refuses an already expired lot, a supplier DEA number whose check digit fails, and a lot
    number already received for this product. Raises ValidationError per field or DomainError.
    """
    _same_clinic(product.clinic_id, received_by)
    received_at = check_when(received_at)
    if not invoice_number.strip():
        raise ValidationError({"invoice_number": ["Give the invoice or packing-slip number."]})
    lot = Lot(
        clinic_id=product.clinic_id,
        product=product,
        lot_number=lot_number.strip(),
        expires_on=expires_on,
        supplier_name=supplier_name,
        supplier_address=supplier_address,
        supplier_dea_number=normalize_dea_number(supplier_dea_number),
        containers_received=containers_received,
    )
    lot.full_clean()
    if lot.is_expired(_local_date(product.clinic, received_at)):
        raise LotExpired(
            f"Lot {lot.lot_number} expired on {lot.expires_on:%b %-d, %Y}; "
            "expired stock is not received into use."
        )
    lot.save()
    append_entry(
        lot_id=lot.pk,
        quantity_mg=product.mg_per_container * containers_received,
        kind=EntryKind.RECEIPT,
        occurred_at=received_at,
        staff=received_by,
        recorded_by=received_by,
        invoice_number=invoice_number.strip(),
        counterparty_name=supplier_name,
        counterparty_address=supplier_address,
        counterparty_dea_number=lot.supplier_dea_number,
        reference=reference,
    )
    return lot


def active_administration(dosing_record: DosingRecord) -> LedgerEntry | None:
    """The administration entry of a dosing record that has not been reversed."""
    return (
        LedgerEntry.objects.filter(
            dosing_record=dosing_record,
            kind=EntryKind.ADMINISTRATION,
            reversed_by__isnull=True,
        )
        .select_related("lot__product")
        .first()
    )


def administration_problems(
    *, lot: Lot, clinic: Clinic, dose_mg: Decimal, route: str, on: datetime.date
) -> list[tuple[str, str]]:
    """Every reason `lot` cannot supply a dose of `dose_mg` by `route` on day `on`, as
    (code, message) for the dosing gate to list beside its own; empty when it can.

    Locks the lot row (as every write to it does) and reads its balance, so within the
    caller's transaction the answer holds until the administration entry is appended.
    Checks: the lot is the clinic's, unexpired, its product a formulation for the route,
    and its balance covers the dose. `administration_record` enforces the same again.
    """
    if lot.clinic_id != clinic.pk:
        return [("lot", "That lot belongs to another clinic.")]
    lot, balance, _ = lock_lot(lot.pk)
    problems = []
    if lot.is_expired(on):
        problems.append(
            (
                "lot_expired",
                f"Lot {lot.lot_number} expired on {lot.expires_on:%b %-d, %Y}; choose another lot.",
            )
        )
    product = lot.product
    if not product.suits_route(route):
        problems.append(
            (
                "formulation",
                f"Lot {lot.lot_number} is {product.name} ({product.get_form_display().lower()}), "
                f"not a formulation for the {Route(route).label} route; draw the dose from a "
                "product for that route.",
            )
        )
    try:
        dose = Decimal(str(dose_mg)).quantize(Decimal("0.01"))
    except ArithmeticError:
        dose = None
    if dose is not None and dose > balance:
        problems.append(
            (
                "stock",
                f"Lot {lot.lot_number} holds {fmt_mg(balance)} mg "
                f"({product.units_for(balance)} {product.unit_label}); "
                f"{fmt_mg(dose)} mg cannot be taken from it.",
            )
        )
    return problems


@transaction.atomic
def administration_record(
    *, dosing_record: DosingRecord, lot: Lot, recorded_by: StaffMember
) -> LedgerEntry:
    """Take a dosing record's dose out of `lot`: the administration entry.

    Locks the dosing record and the lot. Refuses a lot of another clinic, an expired lot
    (on the day of administration, clinic time), a second administration for the same
    dosing record (reverse the first one to change lot), and a dose larger than the lot's
    balance (InsufficientStock).
    """
    dosing_record = (
        DosingRecord.objects.select_for_update(of=("self",))
        .select_related("session__clinic", "session__patient", "administered_by")
        .get(pk=dosing_record.pk)
    )
    clinic = dosing_record.session.clinic
    if lot.clinic_id != clinic.pk:
        raise InvalidInput("That lot belongs to another clinic.")
    _same_clinic(clinic.pk, recorded_by)
    dose = positive_mg(dosing_record.dose_mg, what="The dose")
    existing = active_administration(dosing_record)
    if existing is not None:
        raise AlreadyAdministered(
            f"This dose is already recorded against lot {existing.lot.lot_number}; reverse "
            "that entry first to record it against another lot."
        )
    occurred_at = check_when(dosing_record.administered_at)
    if lot.is_expired(_local_date(clinic, occurred_at)):
        raise LotExpired(
            f"Lot {lot.lot_number} expired on {lot.expires_on:%b %-d, %Y} and cannot be drawn "
            "from; choose another lot."
        )
    return append_entry(
        lot_id=lot.pk,
        quantity_mg=-dose,
        kind=EntryKind.ADMINISTRATION,
        occurred_at=occurred_at,
        staff=dosing_record.administered_by,
        recorded_by=recorded_by,
        dosing_record=dosing_record,
        patient=dosing_record.session.patient,
    )


# What each manually recorded kind needs besides a quantity.
_RULES = {
    EntryKind.WASTE: {"witnesses": 1, "needs": ["reason"]},
    EntryKind.LOSS: {"witnesses": 0, "needs": ["reason"]},
    EntryKind.RETURN: {
        "witnesses": 0,
        "needs": ["counterparty_name", "counterparty_address", "counterparty_dea_number"],
    },
    EntryKind.TRANSFER: {
        "witnesses": 0,
        "needs": ["counterparty_name", "counterparty_address", "counterparty_dea_number"],
    },
    EntryKind.DESTRUCTION: {"witnesses": 2, "needs": ["method"]},
    EntryKind.ADJUSTMENT: {"witnesses": 1, "needs": ["reason"]},
}
_NEEDS_LABEL = {
    "reason": "a reason",
    "method": "the method of destruction",
    "counterparty_name": "the receiving registrant's name",
    "counterparty_address": "the receiving registrant's address",
    "counterparty_dea_number": "the receiving registrant's DEA number",
}


@transaction.atomic
def entry_record(
    *,
    lot: Lot,
    kind: str,
    quantity_mg,
    staff: StaffMember,
    occurred_at: datetime.datetime | None = None,
    witness: StaffMember | None = None,
    witness_password: str = "",
    second_witness: StaffMember | None = None,
    second_witness_password: str = "",
    dosing_record: DosingRecord | None = None,
    reason: str = "",
    method: str = "",
    counterparty_name: str = "",
    counterparty_address: str = "",
    counterparty_dea_number: str = "",
    reference: str = "",
) -> LedgerEntry:
    """Record waste, loss/breakage, return, transfer, destruction or an adjustment.

    `quantity_mg` is the amount that left the lot (positive), except for an adjustment
    where it is signed (+ found, − missing). Waste needs a witness, destruction two, an
    adjustment one; each witness is a different active staff member of the clinic who
    confirms with their own password (WitnessRefused). Waste of a dose's remainder names the
    dosing record, which must have an administration from this lot. Locks the lot; refuses
    a balance below zero (InsufficientStock).
    """
    if kind not in MANUAL_KINDS:
        raise InvalidInput(f"{kind} entries are not recorded by hand.")
    rules = _RULES[kind]
    _same_clinic(lot.clinic_id, staff)
    texts = {
        "reason": reason.strip(),
        "method": method.strip(),
        "counterparty_name": counterparty_name.strip(),
        "counterparty_address": counterparty_address.strip(),
        "counterparty_dea_number": normalize_dea_number(counterparty_dea_number),
    }
    missing = [_NEEDS_LABEL[name] for name in rules["needs"] if not texts[name]]
    if missing:
        raise InvalidInput(f"A {EntryKind(kind).label.lower()} entry needs {', '.join(missing)}.")
    if texts["counterparty_dea_number"]:
        try:
            validate_dea_number(texts["counterparty_dea_number"])
        except ValidationError as exc:
            raise ValidationError({"counterparty_dea_number": exc.messages}) from exc

    if kind == EntryKind.ADJUSTMENT:
        try:
            quantity = Decimal(str(quantity_mg)).quantize(Decimal("0.01"))
        except ArithmeticError as exc:
            raise InvalidInput("The adjustment must be a number of milligrams.") from exc
        if quantity == 0:
            raise InvalidInput("An adjustment of 0 mg changes nothing.")
    else:
        quantity = -positive_mg(quantity_mg)

    if rules["witnesses"] >= 1:
        check_witness(
            clinic_id=lot.clinic_id, witness=witness, password=witness_password, not_same_as=[staff]
        )
    else:
        witness = None
    if rules["witnesses"] >= 2:
        check_witness(
            clinic_id=lot.clinic_id,
            witness=second_witness,
            password=second_witness_password,
            not_same_as=[staff, witness],
            role="second witness",
        )
    else:
        second_witness = None

    patient = None
    if dosing_record is not None:
        if kind != EntryKind.WASTE:
            raise InvalidInput("Only waste is recorded against a dosing record.")
        administration = active_administration(dosing_record)
        if administration is None or administration.lot_id != lot.pk:
            raise InvalidInput(
                "The remainder of a dose is wasted from the lot it was drawn from; this "
                "dosing record has no administration from this lot."
            )
        patient = administration.patient

    return append_entry(
        lot_id=lot.pk,
        quantity_mg=quantity,
        kind=kind,
        occurred_at=check_when(occurred_at),
        staff=staff,
        recorded_by=staff,
        witness=witness,
        second_witness=second_witness,
        dosing_record=dosing_record,
        patient=patient,
        reference=reference.strip(),
        **texts,
    )


@transaction.atomic
def entry_reverse(
    *,
    entry: LedgerEntry,
    reason: str,
    staff: StaffMember,
    witness: StaffMember | None,
    witness_password: str,
) -> LedgerEntry:
    """Correct a mistaken entry by appending its opposite, pointing at it.

    The original stays in the ledger. A witness confirms with their password. Refuses to
    reverse a reversal (record a new entry instead), an entry already reversed, and a
    reversal that would take the balance below zero (a receipt already partly used).
    """
    if not reason.strip():
        raise InvalidInput("Say why the entry is being reversed.")
    _same_clinic(entry.clinic_id, staff)
    if entry.kind == EntryKind.REVERSAL:
        raise InvalidInput("A reversal is not reversed; record the correct entry instead.")
    check_witness(
        clinic_id=entry.clinic_id, witness=witness, password=witness_password, not_same_as=[staff]
    )
    # Lock the lot before looking for an earlier reversal, so two people cannot both
    # reverse the same entry (the unique `reverses` link would refuse the second anyway).
    append_kwargs = {
        "kind": EntryKind.REVERSAL,
        "occurred_at": timezone.now(),
        "staff": staff,
        "recorded_by": staff,
        "witness": witness,
        "reverses": entry,
        "reason": reason.strip(),
        "dosing_record": entry.dosing_record,
        "patient": entry.patient,
    }
    lock_lot(entry.lot_id)
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise AlreadyReversed(f"Entry #{entry.seq} of this lot has already been reversed.")
    return append_entry(lot_id=entry.lot_id, quantity_mg=-entry.quantity_mg, **append_kwargs)
