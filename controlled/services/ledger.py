"""Writes to the ledger: administrations, waste and the other entries, and reversals.

Every function is keyword-only and runs in one transaction. Every entry is appended under
a row lock on its lot (`_common.lock_lot`), so the balance can never be taken below zero,
even by two people at once; entries are never changed afterwards (corrections are
reversals).
"""

import datetime
from dataclasses import replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from controlled.choices import MANUAL_KINDS, EntryKind
from controlled.errors import (
    AlreadyAdministered,
    AlreadyReversed,
    InsufficientStock,
    InvalidInput,
    LotExpired,
    WasteExceedsDraw,
)
from controlled.models import LedgerEntry, Lot
from controlled.selectors import dose_draw
from controlled.services._common import (
    append_entry,
    check_when,
    fmt_mg,
    invalid,
    lock_lot,
    positive_mg,
    same_clinic,
)
from controlled.validators import normalize_dea_number, validate_dea_number
from practice.choices import Route
from practice.models import Clinic, DosingRecord, StaffMember


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
    Checks: the lot is the clinic's, unexpired, its product a formulation for the route
    (the esketamine nasal spray device for esketamine and nothing else), and its balance
    covers the dose. `administration_record` enforces the same again.
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
    *,
    dosing_record: DosingRecord,
    lot: Lot,
    recorded_by: StaffMember,
    drawn_mg: Decimal | None = None,
) -> LedgerEntry:
    """Take a dosing record's dose out of `lot`: the administration entry.

    `drawn_mg`, when known, is what was drawn for the dose (at least the dose, at most the
    lot's balance); what was drawn and not given is the most that may later be wasted
    against the dose. Locks the dosing record and the lot. Refuses a lot of another clinic,
    an expired lot (on the day of administration, clinic time), a second administration for
    the same dosing record (reverse the first one to change lot), and a dose or draw larger
    than the lot's balance (InsufficientStock).
    """
    dosing_record = (
        DosingRecord.objects.select_for_update(of=("self",))
        .select_related("session__clinic", "session__patient", "administered_by")
        .get(pk=dosing_record.pk)
    )
    clinic = dosing_record.session.clinic
    if lot.clinic_id != clinic.pk:
        raise invalid("lot", "That lot belongs to another clinic.")
    same_clinic(clinic.pk, recorded_by)
    dose = positive_mg(dosing_record.dose_mg, what="The dose", field="dose_mg")
    drawn = None
    if drawn_mg is not None:
        drawn = positive_mg(drawn_mg, what="The draw", field="drawn_mg")
        if drawn < dose:
            raise invalid("drawn_mg", f"The draw must be at least the dose ({fmt_mg(dose)} mg).")
    existing = active_administration(dosing_record)
    if existing is not None:
        raise AlreadyAdministered(
            f"This dose is already recorded against lot {existing.lot.lot_number}; reverse "
            "that entry first to record it against another lot."
        )
    occurred_at = check_when(dosing_record.administered_at)
    if lot.is_expired(clinic.date_of(occurred_at)):
        raise LotExpired(
            f"Lot {lot.lot_number} expired on {lot.expires_on:%b %-d, %Y} and cannot be drawn "
            "from; choose another lot."
        )
    if drawn is not None:
        locked, balance, _ = lock_lot(lot.pk)
        if drawn > balance:
            message = (
                f"Lot {locked.lot_number} holds {fmt_mg(balance)} mg; {fmt_mg(drawn)} mg cannot "
                "have been drawn from it."
            )
            raise InsufficientStock(message, extra={"fields": {"drawn_mg": [message]}})
    return append_entry(
        lot_id=lot.pk,
        quantity_mg=-dose,
        kind=EntryKind.ADMINISTRATION,
        occurred_at=occurred_at,
        staff=dosing_record.administered_by,
        recorded_by=recorded_by,
        dosing_record=dosing_record,
        patient=dosing_record.session.patient,
        drawn_mg=drawn,
    )


# What each manually recorded kind needs besides a quantity and its witnesses
# (choices.WITNESSES_NEEDED, enforced by `append_entry`).
_NEEDS = {
    EntryKind.WASTE: ["reason"],
    EntryKind.LOSS: ["reason"],
    EntryKind.THEFT: ["reason"],
    EntryKind.RETURN: ["counterparty_name", "counterparty_address", "counterparty_dea_number"],
    EntryKind.TRANSFER: ["counterparty_name", "counterparty_address", "counterparty_dea_number"],
    EntryKind.DESTRUCTION: ["method"],
    EntryKind.ADJUSTMENT: ["reason"],
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
    drawn_mg=None,
    reason: str = "",
    method: str = "",
    counterparty_name: str = "",
    counterparty_address: str = "",
    counterparty_dea_number: str = "",
    reference: str = "",
) -> LedgerEntry:
    """Record waste, loss/breakage, theft, return, transfer, destruction or an adjustment.

    `quantity_mg` is the amount that left the lot (positive), except for an adjustment
    where it is signed (+ found, − missing). Every one of them is witnessed (destruction
    twice): each witness a different active staff member of the clinic who confirms with
    their own password (WitnessRefused, enforced by `append_entry`). A loss, a theft or an
    adjustment down notifies the clinic's admins and medical staff.

    Waste of a dose's remainder names the dosing record, which must have an administration
    from this lot; it cannot exceed what was drawn for the dose minus the dose given and
    what was already wasted of it (WasteExceedsDraw). When the administration did not
    record the draw, the first waste states it (`drawn_mg`) and later waste is held to it.
    Locks the lot; refuses a balance below zero (InsufficientStock). Nothing is written
    when anything is refused.
    """
    if kind not in MANUAL_KINDS:
        raise invalid("kind", f"{kind} entries are not recorded by hand.")
    same_clinic(lot.clinic_id, staff)
    texts = {
        "reason": reason.strip(),
        "method": method.strip(),
        "counterparty_name": counterparty_name.strip(),
        "counterparty_address": counterparty_address.strip(),
        "counterparty_dea_number": normalize_dea_number(counterparty_dea_number),
    }
    missing = [name for name in _NEEDS[kind] if not texts[name]]
    if missing:
        message = (
            f"A {EntryKind(kind).label.lower()} entry needs "
            f"{', '.join(_NEEDS_LABEL[name] for name in missing)}."
        )
        raise InvalidInput(
            message, extra={"fields": {name: [f"Give {_NEEDS_LABEL[name]}."] for name in missing}}
        )
    if texts["counterparty_dea_number"]:
        try:
            validate_dea_number(texts["counterparty_dea_number"])
        except ValidationError as exc:
            raise ValidationError({"counterparty_dea_number": exc.messages}) from exc

    if kind == EntryKind.ADJUSTMENT:
        try:
            quantity = Decimal(str(quantity_mg)).quantize(Decimal("0.01"))
        except ArithmeticError as exc:
            raise invalid("quantity_mg", "The adjustment must be a number of milligrams.") from exc
        if quantity == 0:
            raise invalid("quantity_mg", "An adjustment of 0 mg changes nothing.")
    else:
        quantity = -positive_mg(quantity_mg)

    patient = None
    stated_draw = None
    if dosing_record is not None:
        if kind != EntryKind.WASTE:
            raise invalid("dosing_record", "Only waste is recorded against a dosing record.")
        # What is left of the draw is read under the lot's lock, like the balance: two
        # people cannot both waste the same remainder.
        lock_lot(lot.pk)
        administration = active_administration(dosing_record)
        if administration is None or administration.lot_id != lot.pk:
            raise invalid(
                "dosing_record",
                "The remainder of a dose is wasted from the lot it was drawn from; this "
                "dosing record has no administration from this lot.",
            )
        stated_draw = _waste_within_draw(
            dosing_record=dosing_record,
            administration=administration,
            waste_mg=-quantity,
            drawn_mg=drawn_mg,
        )
        patient = administration.patient
    elif drawn_mg not in (None, ""):
        raise invalid("drawn_mg", "A draw is stated only with the waste of a dose's remainder.")

    return append_entry(
        lot_id=lot.pk,
        quantity_mg=quantity,
        kind=kind,
        occurred_at=check_when(occurred_at),
        staff=staff,
        recorded_by=staff,
        witness=witness,
        witness_password=witness_password,
        second_witness=second_witness,
        second_witness_password=second_witness_password,
        dosing_record=dosing_record,
        patient=patient,
        drawn_mg=stated_draw,
        reference=reference.strip(),
        **texts,
    )


def _waste_within_draw(
    *, dosing_record: DosingRecord, administration: LedgerEntry, waste_mg: Decimal, drawn_mg
) -> Decimal | None:
    """Refuse waste of a dose beyond what is left of its draw. Returns the draw this waste
    states (None when the administration or an earlier waste already recorded it)."""
    draw = dose_draw(dosing_record=dosing_record, administration=administration)
    stated = None
    if drawn_mg not in (None, ""):
        stated = positive_mg(drawn_mg, what="The draw", field="drawn_mg")
    if draw.drawn_mg is not None:
        if stated is not None and stated != draw.drawn_mg:
            raise invalid(
                "drawn_mg",
                f"The draw for this dose is already recorded as {fmt_mg(draw.drawn_mg)} mg.",
            )
        stated = None  # recorded before: this waste states nothing new
    else:
        if stated is None:
            raise invalid(
                "drawn_mg",
                "Say how much was drawn for this dose: the remainder wasted is what was drawn "
                "minus the dose given.",
            )
        if stated < draw.given_mg:
            raise invalid(
                "drawn_mg",
                f"The draw must be at least the dose given ({fmt_mg(draw.given_mg)} mg).",
            )
        draw = replace(draw, drawn_mg=stated)
    if waste_mg > draw.left_mg:
        already = f", {fmt_mg(draw.wasted_mg)} mg already wasted" if draw.wasted_mg else ""
        message = (
            f"{fmt_mg(draw.drawn_mg)} mg was drawn for this dose and {fmt_mg(draw.given_mg)} mg "
            f"given{already}; {fmt_mg(draw.left_mg)} mg is left to waste, "
            f"not {fmt_mg(waste_mg)} mg."
        )
        raise WasteExceedsDraw(message, extra={"fields": {"quantity_mg": [message]}})
    return stated


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

    The original stays in the ledger. A witness confirms with their password (enforced by
    `append_entry`). Refuses to reverse a reversal (record a new entry instead), an entry
    already reversed, and a reversal that would take the balance below zero (a receipt
    already partly used).
    """
    if not reason.strip():
        raise invalid("reason", "Say why the entry is being reversed.")
    same_clinic(entry.clinic_id, staff)
    if entry.kind == EntryKind.REVERSAL:
        raise invalid(None, "A reversal is not reversed; record the correct entry instead.")
    # Lock the lot before looking for an earlier reversal, so two people cannot both
    # reverse the same entry (the unique `reverses` link would refuse the second anyway).
    lock_lot(entry.lot_id)
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise AlreadyReversed(f"Entry #{entry.seq} of this lot has already been reversed.")
    return append_entry(
        lot_id=entry.lot_id,
        quantity_mg=-entry.quantity_mg,
        kind=EntryKind.REVERSAL,
        occurred_at=timezone.now(),
        staff=staff,
        recorded_by=staff,
        witness=witness,
        witness_password=witness_password,
        reverses=entry,
        reason=reason.strip(),
        dosing_record=entry.dosing_record,
        patient=entry.patient,
    )
