"""Recording a dose draws it from a lot: the dose and its ledger entry commit together."""

from decimal import Decimal

import pytest

from controlled import selectors
from controlled.errors import InvalidInput
from controlled.models import LedgerEntry, Lot
from practice.errors import DosingGateRefused
from practice.models import DosingRecord
from tests.factories import clinic_today
from tests.practice.clinical import dose, dosing_session, stock_lot

pytestmark = pytest.mark.django_db


def test_a_dose_creates_its_administration_entry(people):
    lot = stock_lot(people)
    record = dose(people, dosing_session(people), lot=lot)
    entry = LedgerEntry.objects.get(dosing_record=record)
    assert (entry.kind, entry.quantity_mg, entry.patient) == (
        "administration",
        Decimal("-35.00"),
        people.patient,
    )
    assert entry.staff == people.medical
    assert record.lot_number == lot.lot_number
    assert selectors.lot_balance(lot) == Decimal("4965.00")


def test_a_dose_without_a_lot_is_refused(people):
    session = dosing_session(people)
    with pytest.raises(InvalidInput, match="Choose the lot"):
        dose(people, session, lot=None)
    assert not DosingRecord.objects.exists()


def test_a_dose_beyond_the_lot_balance_records_nothing(people):
    lot = stock_lot(people)
    session = dosing_session(people)
    # The shortage is one reason of the gate's one refusal, beside the dose's own.
    with pytest.raises(DosingGateRefused, match=r"holds 5000\.00 mg") as caught:
        dose(people, session, lot=lot, dose_mg=Decimal("5001"))
    assert caught.value.extra["reasons"] == ["dose_range", "dose_plan", "stock"]
    assert not DosingRecord.objects.exists()
    assert lot.entries.count() == 1


def test_a_dose_from_an_expired_lot_records_nothing(people):
    import datetime

    lot = stock_lot(people)
    Lot.objects.filter(pk=lot.pk).update(
        expires_on=clinic_today(people.clinic) - datetime.timedelta(days=1)
    )
    lot.refresh_from_db()
    with pytest.raises(DosingGateRefused, match="expired on") as caught:
        dose(people, dosing_session(people), lot=lot)
    assert caught.value.extra["reasons"] == ["lot_expired"]
    assert not DosingRecord.objects.exists()


def test_the_api_needs_a_lot_of_the_clinic(people, api_as):
    session = dosing_session(people)
    body = {
        "dose_mg": "35",
        "weight_kg": "70.0",
        "escort_confirmed": True,
        "fasting_confirmed": True,
        "predose_systolic": 120,
        "predose_diastolic": 80,
        "predose_heart_rate": 72,
        "predose_spo2": 98,
    }
    client = api_as(people.medical)
    missing = client.post(f"/api/v1/sessions/{session.pk}/dosing/", body, format="json")
    assert missing.status_code == 400
    assert "lot_id" in missing.json()["fields"]
    lot = stock_lot(people)
    response = client.post(
        f"/api/v1/sessions/{session.pk}/dosing/", {**body, "lot_id": lot.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["lot_number"] == lot.lot_number
    assert LedgerEntry.objects.filter(kind="administration", lot=lot).count() == 1


def test_the_session_page_shows_the_ledger_entries_in_the_clinics_time(people, web_as):
    import datetime
    import zoneinfo

    from backend.formatting import format_moment

    record = dose(people, dosing_session(people), lot=stock_lot(people))
    entry = LedgerEntry.objects.get(dosing_record=record)
    denver = entry.occurred_at.astimezone(zoneinfo.ZoneInfo("America/Denver"))
    utc = entry.occurred_at.astimezone(datetime.UTC)
    page = web_as(people.medical).get(f"/sessions/{record.session_id}/").content.decode()
    ledger = page[page.index('id="controlled-ledger"') :]
    # The product's one format, in the clinic's zone (backend.formatting.format_moment).
    assert format_moment(denver, denver.tzinfo) in ledger
    assert format_moment(utc, datetime.UTC) not in ledger
