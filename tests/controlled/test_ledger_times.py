"""The ledger pages show clinic-local, human times, never ISO timestamps."""

import datetime

import pytest
import time_machine

from tests.factories import receive_lot

pytestmark = pytest.mark.django_db

# 03:00 UTC on Jan 1 is still 8:00 PM on Dec 31 in Denver: the dates differ.
NEW_YEAR_UTC = datetime.datetime(2027, 1, 1, 3, 0, tzinfo=datetime.UTC)


def test_the_lot_ledger_shows_the_clinics_wall_clock_in_the_products_format(
    product, people, web_as
):
    with time_machine.travel(NEW_YEAR_UTC, tick=False):
        lot = receive_lot(product=product, received_by=people.medical, lot_number="K2201")
        html = web_as(people.medical).get(f"/controlled/lots/{lot.pk}/").content.decode()
    assert "Dec 31, 2026, 8:00 PM" in html
    assert "2027-01-01" not in html and "2026-12-31 20:00" not in html
