"""The remainder wasted against a dose cannot exceed what was drawn for it: the draw minus the
dose given minus what was already wasted of it."""

from decimal import Decimal

import pytest

from controlled import selectors, services
from controlled.errors import InvalidInput, WasteExceedsDraw
from controlled.models import LedgerEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def waste(lot, people, nurse, record, mg, **kwargs):
    return services.entry_record(
        lot=lot,
        kind="waste",
        quantity_mg=mg,
        staff=people.medical,
        witness=nurse,
        witness_password=PASSWORD,
        dosing_record=record,
        reason="Unused remainder of the drawn dose",
        **kwargs,
    )


def test_waste_beyond_the_draw_recorded_with_the_dose_is_refused(lot, people, nurse, dose):
    record = dose("35")
    services.administration_record(
        dosing_record=record, lot=lot, recorded_by=people.medical, drawn_mg=Decimal("40")
    )

    with pytest.raises(WasteExceedsDraw) as refused:
        waste(lot, people, nurse, record, "450")
    assert refused.value.message == (
        "40.00 mg was drawn for this dose and 35.00 mg given; 5.00 mg is left to waste, "
        "not 450.00 mg."
    )
    assert "quantity_mg" in refused.value.extra["fields"]
    assert lot.entries.count() == 2
    assert selectors.lot_balance(lot) == Decimal("465.00")

    waste(lot, people, nurse, record, "3")
    with pytest.raises(WasteExceedsDraw, match=r"2\.00 mg is left to waste"):
        waste(lot, people, nurse, record, "2.5")
    waste(lot, people, nurse, record, "2")
    assert selectors.lot_balance(lot) == Decimal("460.00")
    assert lot.entries.count() == 4


def test_nothing_is_left_to_waste_of_a_dose_drawn_exactly(lot, people, nurse, dose):
    record = dose("35")
    services.administration_record(
        dosing_record=record, lot=lot, recorded_by=people.medical, drawn_mg=Decimal("35")
    )
    with pytest.raises(WasteExceedsDraw, match=r"0\.00 mg is left to waste"):
        waste(lot, people, nurse, record, "1")
    assert lot.entries.count() == 2


def test_the_first_waste_states_the_draw_when_the_dose_did_not(lot, people, nurse, dose):
    record = dose("35")
    services.administration_record(dosing_record=record, lot=lot, recorded_by=people.medical)

    with pytest.raises(InvalidInput, match="how much was drawn") as refused:
        waste(lot, people, nurse, record, "5")
    assert "drawn_mg" in refused.value.extra["fields"]
    with pytest.raises(WasteExceedsDraw, match=r"5\.00 mg is left to waste, not 450\.00 mg"):
        waste(lot, people, nurse, record, "450", drawn_mg="40")
    assert lot.entries.count() == 2

    first = waste(lot, people, nurse, record, "4", drawn_mg="40")
    assert first.drawn_mg == Decimal("40.00")
    # The draw is stated once; later waste of the same dose is held to it.
    with pytest.raises(InvalidInput, match=r"already recorded as 40\.00 mg"):
        waste(lot, people, nurse, record, "1", drawn_mg="500")
    with pytest.raises(WasteExceedsDraw, match=r"1\.00 mg is left to waste"):
        waste(lot, people, nurse, record, "2")
    waste(lot, people, nurse, record, "1")
    assert lot.entries.count() == 4


def test_a_draw_smaller_than_the_dose_is_refused(lot, people, nurse, dose):
    record = dose("35")
    with pytest.raises(InvalidInput, match="at least the dose") as refused:
        services.administration_record(
            dosing_record=record, lot=lot, recorded_by=people.medical, drawn_mg=Decimal("30")
        )
    assert "drawn_mg" in refused.value.extra["fields"]
    services.administration_record(dosing_record=record, lot=lot, recorded_by=people.medical)
    with pytest.raises(InvalidInput, match="at least the dose"):
        waste(lot, people, nurse, record, "1", drawn_mg="30")
    assert lot.entries.count() == 2


def test_a_reversed_waste_gives_its_remainder_back(lot, people, nurse, dose):
    record = dose("35")
    services.administration_record(
        dosing_record=record, lot=lot, recorded_by=people.medical, drawn_mg=Decimal("40")
    )
    mistaken = waste(lot, people, nurse, record, "5")
    services.entry_reverse(
        entry=mistaken,
        reason="Typed against the wrong dose",
        staff=people.medical,
        witness=nurse,
        witness_password=PASSWORD,
    )
    waste(lot, people, nurse, record, "5")
    assert LedgerEntry.objects.filter(dosing_record=record, kind="waste").count() == 2


def test_waste_beyond_the_draw_is_refused_through_the_api(people, api_as, lot, nurse, dose):
    record = dose("35")
    services.administration_record(
        dosing_record=record, lot=lot, recorded_by=people.medical, drawn_mg=Decimal("40")
    )
    response = api_as(people.medical).post(
        f"/api/v1/controlled/lots/{lot.pk}/record/",
        {
            "kind": "waste",
            "quantity_mg": "450",
            "reason": "Remainder",
            "dosing_record_id": record.pk,
            "witness_id": nurse.pk,
            "witness_password": PASSWORD,
        },
        format="json",
    )
    body = response.json()
    assert response.status_code == 409, body
    assert body["code"] == "waste_exceeds_draw"
    assert "5.00 mg is left to waste" in body["detail"]
    assert "quantity_mg" in body["fields"]
    assert lot.entries.count() == 2
    assert selectors.lot_balance(lot) == Decimal("465.00")


def test_the_waste_page_states_the_draw_and_refuses_more(people, web_as, lot, nurse, dose):
    record = dose("35")
    services.administration_record(dosing_record=record, lot=lot, recorded_by=people.medical)
    client = web_as(people.medical)
    url = f"/controlled/dosing/{record.pk}/waste/"
    assert 'name="drawn_mg"' in client.get(url).content.decode()

    form = {
        "quantity_mg": "450",
        "drawn_mg": "40",
        "reason": "Unused remainder of the drawn dose",
        "witness": nurse.pk,
        "witness_password": PASSWORD,
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "5.00 mg is left to waste, not 450.00 mg" in response.content.decode()
    assert lot.entries.count() == 2

    assert client.post(url, {**form, "quantity_mg": "5"}).status_code == 302
    page = client.get(url).content.decode()
    assert 'name="drawn_mg"' not in page  # stated once
    assert "Drawn 40.00 mg" in page
    assert selectors.lot_balance(lot) == Decimal("460.00")
