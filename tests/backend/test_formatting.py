"""One format for money, phone numbers and moments: the helpers, the template filters, and
a page or PDF that shows each."""

import datetime
import zoneinfo
from decimal import Decimal

import phonenumbers
import pytest
from django.template import engines

from backend.formatting import format_moment, format_money, format_phone
from billing.services.payments import payment_record

DENVER = zoneinfo.ZoneInfo("America/Denver")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("2945"), "$2,945.00"),
        (Decimal("1234567.891"), "$1,234,567.89"),
        (Decimal("0.005"), "$0.01"),  # half up, the way billing rounds
        (0, "$0.00"),
        (Decimal("-12.5"), "−$12.50"),
        ("450", "$450.00"),
        (None, "—"),
        ("not money", "not money"),
    ],
)
def test_money_has_a_dollar_sign_cents_and_thousands_separators(value, shown):
    assert format_money(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("+13035550928", "(303) 555-0928"),  # the clinic's country: national
        (phonenumbers.parse("+13035550928"), "(303) 555-0928"),
        ("+442079460958", "+44 20 7946 0958"),  # elsewhere: international
        ("", ""),
        (None, ""),
        ("call reception", "call reception"),  # not a number: as typed
    ],
)
def test_a_phone_number_is_national_at_home_and_international_abroad(value, shown):
    assert format_phone(value) == shown


def test_a_moment_is_written_once_on_the_wall_clock_of_the_zone():
    moment = datetime.datetime(2026, 12, 1, 3, 59, tzinfo=datetime.UTC)
    # 03:59 UTC on Dec 1 is 8:59 PM on Nov 30 in Denver.
    assert format_moment(moment, DENVER) == "Nov 30, 2026, 8:59 PM"
    assert format_moment(None, DENVER) == "—"


def test_the_filters_are_builtin_on_every_template():
    template = engines["django"].from_string(
        "{{ amount|money }} · {{ number|phone }} · {{ moment|when:zone }} · {{ day|date }}"
    )
    moment = datetime.datetime(2026, 12, 1, 3, 59, tzinfo=datetime.UTC)
    shown = template.render(
        {
            "amount": Decimal("2945"),
            "number": "+13035550928",
            "moment": moment,
            "zone": DENVER,
            "day": datetime.date(2026, 11, 30),
        }
    )
    assert shown == "$2,945.00 · (303) 555-0928 · Nov 30, 2026, 8:59 PM · Nov 30, 2026"


@pytest.mark.django_db
def test_the_ledger_page_shows_money_with_thousands_separators(people, web_as):
    payment_record(
        patient=people.patient,
        method="card",
        amount=Decimal("2945"),
        received_on=datetime.date(2026, 10, 1),
    )
    html = web_as(people.admin).get(f"/billing/patients/{people.patient.pk}/").content.decode()
    assert "$2,945.00" in html
    assert "$2945.00" not in html


@pytest.mark.django_db
def test_the_patient_page_and_the_portal_show_phone_numbers_as_people_dial_them(people, web_as):
    people.patient.phone = "+13035550928"
    people.patient.escort_phone = "+442079460958"
    people.patient.save()
    staff_html = web_as(people.admin).get(f"/patients/{people.patient.pk}/").content.decode()
    assert "(303) 555-0928" in staff_html
    assert "+44 20 7946 0958" in staff_html
    assert "+13035550928" not in staff_html
    portal_html = web_as(people.patient).get("/portal/").content.decode()
    assert "(303) 555-0928" in portal_html
    assert "+13035550928" not in portal_html
