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


# The 10-digit NDC as labelled (labeler-product-package in one of three shapes) and the
# 11-digit 5-4-2 form billing uses (HIPAA's NDC for claims: a leading zero pads the short part).
NDC_SHAPES = {
    (5, 4, 2): lambda a, b, c: (a, b, c),
    (4, 4, 2): lambda a, b, c: ("0" + a, b, c),
    (5, 3, 2): lambda a, b, c: (a, "0" + b, c),
    (5, 4, 1): lambda a, b, c: (a, b, "0" + c),
}


def ndc_11(value: str) -> str:
    """The NDC in its 11-digit billing form, digits only (e.g. '50458-028-02' →
    '50458002802'). Raises ValidationError for any other shape: a 10-digit NDC without its
    hyphens is ambiguous (which part is short?), so it is refused rather than guessed."""
    value = (value or "").strip()
    if re.fullmatch(r"\d{11}", value):
        return value
    parts = value.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        shape = NDC_SHAPES.get(tuple(len(p) for p in parts))
        if shape:
            return "".join(shape(*parts))
    raise ValidationError(
        f"{value!r} is not an NDC: give the 11-digit 5-4-2 form (e.g. 42023-0113-10) or the "
        "label's 10 digits with their hyphens (4-4-2, 5-3-2 or 5-4-1).",
        code="ndc_format",
    )


def validate_ndc(value: str) -> None:
    ndc_11(value)


def ndc_542(value: str) -> str:
    """The 11-digit NDC written 5-4-2 with hyphens, as a person reads it."""
    digits = ndc_11(value)
    return f"{digits[:5]}-{digits[5:9]}-{digits[9:]}"
