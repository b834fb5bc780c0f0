"""Validators for identifiers a clinic's paperwork depends on.

Each raises Django's ValidationError with a message a person can act on.
"""

import datetime
import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from stdnum import luhn
from stdnum.us import ein


def validate_npi(value: str) -> None:
    """A National Provider Identifier: 10 digits, first 1 or 2, Luhn check over 80840+NPI."""
    if not re.fullmatch(r"[12]\d{9}", value or ""):
        raise ValidationError("An NPI is 10 digits and starts with 1 or 2.", code="npi_format")
    if not luhn.is_valid("80840" + value):
        raise ValidationError(
            "This NPI fails its check digit; check it against the NPPES registry.",
            code="npi_check_digit",
        )


def validate_ein(value: str) -> None:
    """A US Employer Identification Number (tax id), written 12-3456789."""
    if not ein.is_valid(value or ""):
        raise ValidationError("Enter a valid EIN (tax id) in the form 12-3456789.", code="ein")


def _icd():
    # The official code set is large (seconds to load, ~600k objects): load it on first use,
    # not in every process that imports the models (web, worker, beat, manage.py commands).
    import simple_icd_10_cm

    return simple_icd_10_cm


def normalize_icd10(code: str) -> str:
    code = (code or "").strip().upper()
    if len(code) > 3 and "." not in code:
        code = f"{code[:3]}.{code[3:]}"
    return code


def validate_icd10cm(value: str) -> None:
    """A billable ICD-10-CM code from the official US code set."""
    code = normalize_icd10(value)
    icd = _icd()
    if not icd.is_valid_item(code):
        raise ValidationError(
            f"{code or 'This'} is not an ICD-10-CM code in the US code set.", code="icd10_unknown"
        )
    if not icd.is_leaf(code):
        raise ValidationError(
            f"{code} is a category, not a billable code; choose a more specific code under it.",
            code="icd10_not_billable",
        )


def icd10_description(code: str) -> str:
    return _icd().get_description(normalize_icd10(code))


def validate_not_future(value: datetime.date) -> None:
    if value and value > timezone.localdate():
        raise ValidationError("A date of birth cannot be in the future.", code="future_date")


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value} is not a known time zone (e.g. America/Denver).")


def validate_place_of_service(value: str) -> None:
    if not re.fullmatch(r"\d{2}", value or ""):
        raise ValidationError("A place-of-service code is two digits, e.g. 11 (office).")
