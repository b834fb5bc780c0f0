"""The one way the product writes money, phone numbers and moments for a person to read.

Pages, PDFs, messages and error texts all call these (templates through the `money`,
`phone` and `when` filters of `backend.templatetags.formatting`, a template builtin), so
"$2,945.00" and "(303) 555-0928" look the same wherever they appear.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import phonenumbers
from django.conf import settings
from django.utils import formats

CENT = Decimal("0.01")


def format_money(value) -> str:
    """`value` as dollars with thousands separators: 2945 → "$2,945.00", -5 → "−$5.00".

    Empty values read "—"; a value that is not a number is shown as it came (never a 500).
    """
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "−" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def clinic_region() -> str:
    """The clinic's country for phone numbers (every clinic is in this one country)."""
    return settings.PHONENUMBER_DEFAULT_REGION


def format_phone(value) -> str:
    """A phone number as people dial it: national format for a number in the clinic's
    country ("(303) 555-0928"), international otherwise ("+44 20 7946 0958").

    Accepts a `PhoneNumber` or a string; an empty value is ""; a string that does not
    parse as a number is returned unchanged.
    """
    if value is None or str(value) == "":
        return ""
    number = value if isinstance(value, phonenumbers.PhoneNumber) else None
    if number is None:
        try:
            number = phonenumbers.parse(str(value), clinic_region())
        except phonenumbers.NumberParseException:
            return str(value)
    if not phonenumbers.is_possible_number(number):
        return str(value)
    region = phonenumbers.region_code_for_number(number)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == clinic_region()
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def format_moment(moment: datetime.datetime | None, zone, fmt: str = "DATETIME_FORMAT") -> str:
    """`moment` as the wall clock in `zone` shows it, in the product's one format
    (`DATETIME_FORMAT` of backend/formats/en) unless another named format is asked for."""
    if moment is None:
        return "—"
    if isinstance(moment, datetime.datetime):
        moment = moment.astimezone(zone)
    return formats.date_format(moment, fmt)


def format_span(start: datetime.datetime, end: datetime.datetime, zone) -> str:
    """A stretch of time on `zone`'s wall clock: "Tue Nov 24, 1:00 PM–1:50 PM"."""
    start, end = start.astimezone(zone), end.astimezone(zone)
    return (
        f"{formats.date_format(start, 'D M j')}, {formats.time_format(start, 'TIME_FORMAT')}"
        f"–{formats.time_format(end, 'TIME_FORMAT')}"
    )
