"""What every ledger write shares: the witness check and the locked append."""

import datetime
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Max, Sum
from django.utils import timezone

from backend.errors import full_clean_or_refuse
from controlled.choices import LOSS_KINDS, WITNESSES_NEEDED, EntryKind
from controlled.errors import InsufficientStock, InvalidInput, WitnessRefused
from controlled.models import LedgerEntry, Lot
from controlled.services.notices import loss_notices_raise
from practice.models import StaffMember

# Clocks drift and forms are typed slowly; anything later than this is a typing mistake.
FUTURE_TOLERANCE = datetime.timedelta(minutes=10)


CENT = Decimal("0.01")

# A witness's password typed wrong this many times within the window pauses confirmations
# by that witness until the window ends: the witness field must not become a way to guess a
# colleague's password past the login page's lockout.
WITNESS_FAILURE_LIMIT = 5
WITNESS_FAILURE_WINDOW = datetime.timedelta(minutes=15)


def invalid(field: str | None, message: str) -> InvalidInput:
    """A 400 naming the field to correct ("__all__" when no one field is to blame)."""
    return InvalidInput(message, extra={"fields": {field or "__all__": [message]}})


def fmt_mg(value: Decimal) -> str:
    return f"{Decimal(value).quantize(CENT):f}"


def check_witness(
    *,
    clinic_id: int,
    witness: StaffMember | None,
    password: str,
    not_same_as: list[StaffMember | None],
    role: str = "witness",
    field: str = "witness",
) -> StaffMember:
    """A second, active staff member of the same clinic, confirming with their own password.

    Raises WitnessRefused naming the form field to correct (`field`, `<field>_password`);
    never says which of clinic/activity/password failed beyond what a person needs to
    correct the entry.
    """

    def refuse(message: str, *, on: str = field, code: str | None = None):
        return WitnessRefused(message, code=code, extra={"fields": {on: [message]}})

    if witness is None:
        raise refuse(f"A second staff member must confirm this as {role}.")
    if any(other is not None and other.pk == witness.pk for other in not_same_as):
        raise refuse(f"The {role} must be a different staff member from the person recording it.")
    if witness.clinic_id != clinic_id or not witness.is_active:
        raise refuse(f"The {role} must be an active staff member of this clinic.")
    key = f"witness-failures:{witness.user_id}"
    if cache.get(key, 0) >= WITNESS_FAILURE_LIMIT:
        minutes = int(WITNESS_FAILURE_WINDOW.total_seconds() // 60)
        raise refuse(
            f"{witness.display_name}'s password was typed wrong {WITNESS_FAILURE_LIMIT} times; "
            f"confirmations by {witness.display_name} are paused for up to {minutes} minutes. "
            f"Ask another {role}.",
            code="witness_paused",
        )
    if not password or not witness.user.check_password(password):
        # The window runs from the first failure: add() starts it, incr() counts within it.
        cache.add(key, 0, timeout=WITNESS_FAILURE_WINDOW.total_seconds())
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=WITNESS_FAILURE_WINDOW.total_seconds())
        raise refuse(
            f"The password of {witness.display_name} is not correct; the {role} must type "
            "their own password.",
            on=f"{field}_password",
        )
    cache.delete(key)
    return witness


def witnesses_needed(kind: str, quantity_mg: Decimal) -> int:
    """How many second staff members must confirm an entry (see choices.WITNESSES_NEEDED).

    Whatever the table says, stock that leaves a lot other than by an administration to a
    patient is never taken without at least one witness.
    """
    needed = WITNESSES_NEEDED.get(kind, 1)
    if quantity_mg < 0 and kind != EntryKind.ADMINISTRATION:
        needed = max(needed, 1)
    return needed


def check_when(occurred_at: datetime.datetime | None) -> datetime.datetime:
    now = timezone.now()
    if occurred_at is None:
        return now
    if timezone.is_naive(occurred_at):
        raise invalid("occurred_at", "Give the time with its time zone.")
    if occurred_at > now + FUTURE_TOLERANCE:
        raise invalid("occurred_at", "An entry cannot be dated in the future.")
    return occurred_at


def positive_mg(value, *, what: str = "The quantity", field: str = "quantity_mg") -> Decimal:
    try:
        mg = Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError as exc:
        raise invalid(field, f"{what} must be a number of milligrams.") from exc
    if mg <= 0:
        raise invalid(field, f"{what} must be more than 0 mg.")
    return mg


def lock_lot(lot_id: int) -> tuple[Lot, Decimal, int]:
    """Lock the lot row (SELECT … FOR UPDATE) and read its balance and last line number.

    Every write to a lot's ledger goes through this lock, so two draws from the last
    milligrams are serialised: the second sees the first one's entry and is refused.
    """
    lot = Lot.objects.select_for_update(of=("self",)).select_related("product").get(pk=lot_id)
    totals = LedgerEntry.objects.filter(lot_id=lot.pk).aggregate(
        balance=Sum("quantity_mg"), last=Max("seq")
    )
    return lot, totals["balance"] or Decimal("0"), totals["last"] or 0


def append_entry(
    *,
    lot_id: int,
    quantity_mg: Decimal,
    kind: str,
    staff: StaffMember,
    recorded_by: StaffMember,
    witness: StaffMember | None = None,
    witness_password: str = "",
    second_witness: StaffMember | None = None,
    second_witness_password: str = "",
    **fields,
) -> LedgerEntry:
    """Append one entry to a lot: the one place every ledger write goes through.

    Under the lot's row lock it enforces what holds for every entry, whoever calls:
    - the witnesses `witnesses_needed` asks for, each a different active staff member of the
      clinic confirming with their own password (`check_witness`, with its pause after
      repeated wrong passwords), so no stock leaves without a witness (WitnessRefused);
    - the balance never goes below zero (InsufficientStock).
    A loss, a theft or an adjustment down then notifies the clinic's admins and medical
    staff (`notices.loss_notices_raise`), in the same transaction.
    """
    quantity_mg = Decimal(quantity_mg).quantize(CENT)
    lot, balance, last_seq = lock_lot(lot_id)
    needed = witnesses_needed(kind, quantity_mg)
    if needed >= 1:
        check_witness(
            clinic_id=lot.clinic_id,
            witness=witness,
            password=witness_password,
            not_same_as=[staff, recorded_by],
        )
    else:
        witness = None
    if needed >= 2:
        check_witness(
            clinic_id=lot.clinic_id,
            witness=second_witness,
            password=second_witness_password,
            not_same_as=[staff, recorded_by, witness],
            role="second witness",
            field="second_witness",
        )
    else:
        second_witness = None
    new_balance = balance + quantity_mg
    if new_balance < 0:
        product = lot.product
        message = (
            f"Lot {lot.lot_number} holds {fmt_mg(balance)} mg "
            f"({product.units_for(balance)} {product.unit_label}); "
            f"{fmt_mg(-quantity_mg)} mg cannot be taken from it."
        )
        raise InsufficientStock(
            message,
            extra={"balance_mg": fmt_mg(balance), "fields": {"quantity_mg": [message]}},
        )
    entry = LedgerEntry(
        clinic_id=lot.clinic_id,
        lot=lot,
        seq=last_seq + 1,
        kind=kind,
        quantity_mg=quantity_mg,
        balance_after_mg=new_balance,
        staff=staff,
        recorded_by=recorded_by,
        witness=witness,
        second_witness=second_witness,
        **fields,
    )
    # Every rule a person can break is checked before; what is left is surfaced as a clear
    # 400 naming the field rather than a 500.
    full_clean_or_refuse(entry)
    entry.save()
    if kind in LOSS_KINDS or (kind == EntryKind.ADJUSTMENT and quantity_mg < 0):
        loss_notices_raise(entry=entry)
    return entry


def same_clinic(clinic_id: int, *staff: StaffMember | None) -> None:
    """Refuse staff of another clinic than the record's."""
    for person in staff:
        if person is not None and person.clinic_id != clinic_id:
            raise invalid(None, f"{person.display_name} works at another clinic.")
