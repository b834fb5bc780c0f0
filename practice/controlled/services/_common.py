"""What every ledger write shares: the witness check and the locked append."""

import datetime
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Max, Sum
from django.utils import timezone

from practice.controlled.errors import InsufficientStock, InvalidInput, WitnessRefused
from practice.controlled.models import LedgerEntry, Lot
from practice.models import StaffMember

# Clocks drift and forms are typed slowly; anything later than this is a typing mistake.
FUTURE_TOLERANCE = datetime.timedelta(minutes=10)


CENT = Decimal("0.01")

# A witness's password typed wrong this many times within the window pauses confirmations
# by that witness until the window ends: the witness field must not become a way to guess a
# colleague's password past the login page's lockout.
WITNESS_FAILURE_LIMIT = 5
WITNESS_FAILURE_WINDOW = datetime.timedelta(minutes=15)


def fmt_mg(value: Decimal) -> str:
    return f"{Decimal(value).quantize(CENT):f}"


def check_witness(
    *,
    clinic_id: int,
    witness: StaffMember | None,
    password: str,
    not_same_as: list[StaffMember | None],
    role: str = "witness",
) -> StaffMember:
    """A second, active staff member of the same clinic, confirming with their own password.

    Raises WitnessRefused; never says which of clinic/activity/password failed beyond what a
    person needs to correct the entry.
    """
    if witness is None:
        raise WitnessRefused(f"A second staff member must confirm this as {role}.")
    if any(other is not None and other.pk == witness.pk for other in not_same_as):
        raise WitnessRefused(
            f"The {role} must be a different staff member from the person recording it."
        )
    if witness.clinic_id != clinic_id or not witness.is_active:
        raise WitnessRefused(f"The {role} must be an active staff member of this clinic.")
    key = f"witness-failures:{witness.user_id}"
    if cache.get(key, 0) >= WITNESS_FAILURE_LIMIT:
        minutes = int(WITNESS_FAILURE_WINDOW.total_seconds() // 60)
        raise WitnessRefused(
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
        raise WitnessRefused(
            f"The password of {witness.display_name} is not correct; the {role} must type "
            "their own password."
        )
    cache.delete(key)
    return witness


def check_when(occurred_at: datetime.datetime | None) -> datetime.datetime:
    now = timezone.now()
    if occurred_at is None:
        return now
    if timezone.is_naive(occurred_at):
        raise InvalidInput("Give the time with its time zone.")
    if occurred_at > now + FUTURE_TOLERANCE:
        raise InvalidInput("An entry cannot be dated in the future.")
    return occurred_at


def positive_mg(value, *, what: str = "The quantity") -> Decimal:
    try:
        mg = Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError as exc:
        raise InvalidInput(f"{what} must be a number of milligrams.") from exc
    if mg <= 0:
        raise InvalidInput(f"{what} must be more than 0 mg.")
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


def append_entry(*, lot_id: int, quantity_mg: Decimal, **fields) -> LedgerEntry:
    """Append one entry to a lot under its row lock; refuse a balance below zero."""
    quantity_mg = Decimal(quantity_mg).quantize(CENT)
    lot, balance, last_seq = lock_lot(lot_id)
    new_balance = balance + quantity_mg
    if new_balance < 0:
        product = lot.product
        raise InsufficientStock(
            f"Lot {lot.lot_number} holds {fmt_mg(balance)} mg "
            f"({product.units_for(balance)} {product.unit_label}); "
            f"{fmt_mg(-quantity_mg)} mg cannot be taken from it.",
            extra={"balance_mg": fmt_mg(balance)},
        )
    entry = LedgerEntry(
        clinic_id=lot.clinic_id,
        lot=lot,
        seq=last_seq + 1,
        quantity_mg=quantity_mg,
        balance_after_mg=new_balance,
        **fields,
    )
    try:
        entry.full_clean()
    except ValidationError as exc:
        # Every rule a person can break is checked before; this is a programming error
        # surfaced as a clear 400 rather than a 500.
        raise InvalidInput("; ".join(exc.messages)) from exc
    entry.save()
    return entry
