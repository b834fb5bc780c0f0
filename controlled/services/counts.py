"""Physical counts, their discrepancies, and the DEA initial and biennial inventories."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from controlled.choices import CountStatus, EntryKind, InventoryKind
from controlled.errors import (
    CountAlreadyResolved,
    InventoryIncomplete,
)
from controlled.models import Inventory, LedgerEntry, Lot, PhysicalCount
from controlled.services._common import (
    append_entry,
    check_witness,
    fmt_mg,
    invalid,
    lock_lot,
)
from controlled.tasks import enqueue_discrepancy_alert
from practice.models import Clinic, StaffMember


def _units(value) -> Decimal:
    try:
        units = Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError as exc:
        raise invalid("counted_units", "The counted quantity must be a number.") from exc
    if units < 0:
        raise invalid("counted_units", "A counted quantity cannot be negative.")
    return units


def _count(
    *,
    lot: Lot,
    counted_units,
    counted_by: StaffMember,
    second_counter: StaffMember,
    inventory: Inventory | None = None,
    note: str = "",
) -> PhysicalCount:
    locked, balance, _ = lock_lot(lot.pk)
    units = _units(counted_units)
    counted_mg = (units * locked.product.strength_mg).quantize(Decimal("0.01"))
    count = PhysicalCount(
        clinic_id=locked.clinic_id,
        lot=locked,
        inventory=inventory,
        counted_at=timezone.now(),
        counted_units=units,
        counted_mg=counted_mg,
        ledger_balance_mg=balance,
        counted_by=counted_by,
        second_counter=second_counter,
        status=CountStatus.RECONCILED if counted_mg == balance else CountStatus.OPEN,
        note=note.strip(),
    )
    count.full_clean()
    count.save()
    if count.status == CountStatus.OPEN:
        enqueue_discrepancy_alert(count.pk)
    return count


@transaction.atomic
def count_record(
    *,
    lot: Lot,
    counted_units,
    counted_by: StaffMember,
    second_counter: StaffMember | None,
    second_counter_password: str,
    note: str = "",
) -> PhysicalCount:
    """Record a physical count of a lot by two staff (in mL or units, as on the shelf).

    Locks the lot so the ledger balance compared is the one at the moment of the count. A
    difference opens a discrepancy and alerts the clinic's admins after commit. The second
    counter confirms with their password (WitnessRefused).
    """
    if counted_by.clinic_id != lot.clinic_id:
        raise invalid(None, f"{counted_by.display_name} works at another clinic.")
    check_witness(
        clinic_id=lot.clinic_id,
        witness=second_counter,
        password=second_counter_password,
        not_same_as=[counted_by],
        role="second counter",
        field="second_counter",
    )
    return _count(
        lot=lot,
        counted_units=counted_units,
        counted_by=counted_by,
        second_counter=second_counter,
        note=note,
    )


@transaction.atomic
def count_resolve(
    *,
    count: PhysicalCount,
    explanation: str,
    resolved_by: StaffMember,
    adjust: bool = False,
    witness: StaffMember | None = None,
    witness_password: str = "",
) -> PhysicalCount:
    """Explain an open discrepancy; with `adjust`, bring the ledger to the counted quantity.

    The adjustment is an entry of exactly the discrepancy found (counted − ledger at the
    time of the count), witnessed like any adjustment (by `append_entry`); one down alerts
    like a loss. Locks the count; refuses one that is not open (CountAlreadyResolved) and an
    adjustment below zero (InsufficientStock).
    """
    count = (
        PhysicalCount.objects.select_for_update(of=("self",)).select_related("lot").get(pk=count.pk)
    )
    if count.status != CountStatus.OPEN:
        raise CountAlreadyResolved("This count has no open discrepancy.")
    if resolved_by.clinic_id != count.clinic_id:
        raise invalid(None, f"{resolved_by.display_name} works at another clinic.")
    explanation = explanation.strip()
    if not explanation:
        raise invalid(
            "explanation", "Explain the discrepancy: what was found, and why it happened."
        )
    if adjust:
        count.adjustment = append_entry(
            lot_id=count.lot_id,
            quantity_mg=count.discrepancy_mg,
            kind=EntryKind.ADJUSTMENT,
            occurred_at=timezone.now(),
            staff=resolved_by,
            recorded_by=resolved_by,
            witness=witness,
            witness_password=witness_password,
            reason=(
                f"Count of {count.counted_at:%Y-%m-%d} found {fmt_mg(count.counted_mg)} mg "
                f"against {fmt_mg(count.ledger_balance_mg)} mg: {explanation}"
            ),
        )
    count.status = CountStatus.EXPLAINED
    count.explanation = explanation
    count.resolved_by = resolved_by
    count.resolved_at = timezone.now()
    count.full_clean()
    count.save()
    return count


@transaction.atomic
def inventory_take(
    *,
    clinic: Clinic,
    kind: str,
    taken_on: datetime.date,
    time_of_day: str,
    counts: dict[int, Decimal],
    taken_by: StaffMember,
    second_counter: StaffMember | None,
    second_counter_password: str,
    notes: str = "",
) -> Inventory:
    """Take a DEA inventory: a count of every lot on hand, by two staff (21 CFR 1304.11).

    `counts` maps lot id → counted mL/units. Every lot of the clinic with stock on the
    ledger must be counted (InventoryIncomplete); lots counted at zero stay in the record.
    Each line is a physical count, so a difference opens a discrepancy like any count.
    Only one initial inventory per clinic.
    """
    if taken_by.clinic_id != clinic.pk:
        raise invalid(None, f"{taken_by.display_name} works at another clinic.")
    if taken_on > clinic.today():
        raise invalid("taken_on", "An inventory cannot be dated in the future.")
    if (
        kind == InventoryKind.INITIAL
        and Inventory.objects.filter(clinic=clinic, kind=InventoryKind.INITIAL).exists()
    ):
        raise invalid("kind", "The initial inventory has already been taken; take a biennial one.")
    check_witness(
        clinic_id=clinic.pk,
        witness=second_counter,
        password=second_counter_password,
        not_same_as=[taken_by],
        role="second counter",
        field="second_counter",
    )
    lots = {lot.pk: lot for lot in Lot.objects.filter(clinic=clinic).select_related("product")}
    unknown = set(counts) - set(lots)
    if unknown:
        raise invalid("lines", "Some counted lots are not this clinic's lots.")
    on_hand = _lots_on_hand(clinic)
    missing = [lots[pk] for pk in on_hand if pk not in counts]
    if missing:
        names = ", ".join(f"{lot.product} lot {lot.lot_number}" for lot in missing)
        raise InventoryIncomplete(f"Count every lot on hand; missing: {names}.")
    inventory = Inventory(
        clinic=clinic,
        kind=kind,
        taken_on=taken_on,
        time_of_day=time_of_day,
        taken_by=taken_by,
        second_counter=second_counter,
        notes=notes.strip(),
    )
    inventory.full_clean()
    inventory.save()
    for lot_id in sorted(counts):
        _count(
            lot=lots[lot_id],
            counted_units=counts[lot_id],
            counted_by=taken_by,
            second_counter=second_counter,
            inventory=inventory,
        )
    return inventory


def _lots_on_hand(clinic: Clinic) -> list[int]:

    return list(
        LedgerEntry.objects.filter(clinic=clinic)
        .values("lot_id")
        .annotate(balance=Sum("quantity_mg"))
        .filter(balance__gt=0)
        .values_list("lot_id", flat=True)
    )
