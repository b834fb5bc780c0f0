"""The dose says what was drawn from the lot, so waste against it is held to the draw."""

from decimal import Decimal

import pytest

from controlled import selectors
from controlled import services as ledger
from controlled.errors import WasteExceedsDraw
from controlled.models import LedgerEntry
from practice.errors import DosingGateRefused
from tests.factories import PASSWORD, StaffFactory
from tests.practice.clinical import dose, dosing_session, row_counts, stock_lot

pytestmark = pytest.mark.django_db


def waste(lot, people, record, mg):
    return ledger.entry_record(
        lot=lot,
        kind="waste",
        quantity_mg=mg,
        staff=people.medical,
        witness=StaffFactory(clinic=people.clinic, role="medical"),
        witness_password=PASSWORD,
        dosing_record=record,
        reason="Unused remainder of the drawn dose",
    )


def test_the_draw_given_with_the_dose_holds_the_waste_to_the_rest(people):
    lot = stock_lot(people)
    before = selectors.lot_balance(lot)
    record = dose(people, dosing_session(people), lot=lot, drawn_mg=Decimal("40"))
    administration = LedgerEntry.objects.get(dosing_record=record, kind="administration")
    assert administration.drawn_mg == Decimal("40")
    with pytest.raises(WasteExceedsDraw, match=r"5\.00 mg is left to waste"):
        waste(lot, people, record, "6")
    waste(lot, people, record, "5")
    assert selectors.lot_balance(lot) == before - Decimal("40")


def test_a_draw_smaller_than_the_dose_is_a_gate_reason_and_changes_nothing(people):
    session, lot = dosing_session(people), stock_lot(people)
    counts = row_counts()
    with pytest.raises(DosingGateRefused) as refused:
        dose(people, session, lot=lot, drawn_mg=Decimal("30"))
    assert refused.value.extra["reasons"] == ["drawn"]
    assert "drawn_mg" in refused.value.extra["fields"]
    assert row_counts() == counts


def test_the_api_takes_the_draw(people, api_as):
    session, lot = dosing_session(people), stock_lot(people)
    body = {
        "dose_mg": "35",
        "drawn_mg": "50",
        "weight_kg": "70.0",
        "lot_id": lot.pk,
        "escort_confirmed": True,
        "fasting_confirmed": True,
        "predose_systolic": 122,
        "predose_diastolic": 78,
        "predose_heart_rate": 72,
        "predose_spo2": 98,
    }
    response = api_as(people.medical).post(
        f"/api/v1/sessions/{session.pk}/dosing/", body, format="json"
    )
    assert response.status_code == 201, response.json()
    entry = LedgerEntry.objects.get(dosing_record_id=response.json()["id"], kind="administration")
    assert entry.drawn_mg == Decimal("50")
