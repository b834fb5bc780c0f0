"""Amounts of money: decimals rounded to the cent, half up, the one way billing rounds."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """`value` as dollars and cents (SQLite sums decimals in floating point: round after)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
