"""DEA registration numbers."""

import re

from django.core.exceptions import ValidationError

# First letter: the registrant type (A/B/F/G practitioners and hospitals, M mid-levels,
# P–U distributors and manufacturers, X the DATA-waiver suffix no longer issued...).
DEA_NUMBER = re.compile(r"[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}")


def dea_check_digit_ok(number: str) -> bool:
    """The DEA check digit: (d1+d3+d5) + 2×(d2+d4+d6); its last digit is d7."""
    digits = [int(c) for c in number[2:]]
    total = digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])
    return total % 10 == digits[6]


def normalize_dea_number(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "").replace("-", "")


def validate_dea_number(value: str) -> None:
    """Two letters and seven digits, with a correct check digit (e.g. AB1234563)."""
    number = normalize_dea_number(value)
    if not DEA_NUMBER.fullmatch(number):
        raise ValidationError(
            "A DEA registration number is two letters and seven digits, e.g. AB1234563.",
            code="dea_format",
        )
    if not dea_check_digit_ok(number):
        raise ValidationError(
            "This DEA number fails its check digit; check it against the supplier's "
            "registration certificate.",
            code="dea_check_digit",
        )
