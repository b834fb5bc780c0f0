"""Every milligram that leaves a lot without an administration has a witness: a second staff
member of the clinic who confirms with their own password. Refusals change nothing, through
the service, the API and the pages, and come in the one error shape."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from controlled import selectors, services
from controlled.errors import WitnessRefused
from controlled.models import LedgerEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SUPPLIER = {
    "counterparty_name": "Front Range Medical Supply",
    "counterparty_address": "4100 Brighton Blvd, Denver, CO 80216",
    "counterparty_dea_number": "RM2233447",
}
# Each kind recorded by hand that takes stock away, with what it needs besides a witness.
OUTGOING = {
    "waste": {"reason": "Drawn and not given"},
    "loss": {"reason": "Vial cracked in the fridge"},
    "theft": {"reason": "Vial missing from the locked cabinet", "reference": "DPD 26-0142"},
    "return": SUPPLIER,
    "transfer": SUPPLIER,
    "adjustment": {"reason": "Recount found less"},
}


def quantity(kind: str) -> str:
    return "-450" if kind == "adjustment" else "450"


def unchanged(lot, entries: int = 1, balance: str = "500.00") -> bool:
    return lot.entries.count() == entries and selectors.lot_balance(lot) == Decimal(balance)


@pytest.mark.parametrize("kind", sorted(OUTGOING))
def test_stock_taken_away_without_a_witness_is_refused_and_changes_nothing(lot, people, kind):
    with pytest.raises(WitnessRefused) as refused:
        services.entry_record(
            lot=lot, kind=kind, quantity_mg=quantity(kind), staff=people.medical, **OUTGOING[kind]
        )
    assert "second staff member must confirm" in refused.value.message
    assert "witness" in refused.value.extra["fields"]
    assert unchanged(lot)


@pytest.mark.parametrize("kind", sorted(OUTGOING))
def test_the_person_recording_cannot_witness_their_own_entry(lot, people, kind):
    with pytest.raises(WitnessRefused, match="different staff member"):
        services.entry_record(
            lot=lot,
            kind=kind,
            quantity_mg=quantity(kind),
            staff=people.medical,
            witness=people.medical,
            witness_password=PASSWORD,
            **OUTGOING[kind],
        )
    assert unchanged(lot)


@pytest.mark.parametrize("kind", sorted(OUTGOING))
def test_a_witness_with_a_wrong_password_is_refused(lot, people, nurse, kind):
    with pytest.raises(WitnessRefused, match="password of Nina Nurse, RN is not correct"):
        services.entry_record(
            lot=lot,
            kind=kind,
            quantity_mg=quantity(kind),
            staff=people.medical,
            witness=nurse,
            witness_password="guess",
            **OUTGOING[kind],
        )
    assert unchanged(lot)


@pytest.mark.parametrize("kind", sorted(OUTGOING))
def test_a_witnessed_entry_takes_the_stock_and_names_its_witness(lot, people, nurse, kind):
    entry = services.entry_record(
        lot=lot,
        kind=kind,
        quantity_mg=quantity(kind),
        staff=people.medical,
        witness=nurse,
        witness_password=PASSWORD,
        **OUTGOING[kind],
    )
    assert (entry.kind, entry.quantity_mg, entry.witness) == (kind, Decimal("-450.00"), nurse)
    assert unchanged(lot, entries=2, balance="50.00")


def test_an_adjustment_up_is_witnessed_too(lot, people, nurse):
    # A recount that finds more is a discrepancy as well: it is reportable, so witnessed.
    with pytest.raises(WitnessRefused):
        services.entry_record(
            lot=lot, kind="adjustment", quantity_mg="5", staff=people.medical, reason="Overfill"
        )
    assert unchanged(lot)


def test_loss_witnesses_share_the_witness_pause(lot, people, nurse):
    def loss(password):
        return services.entry_record(
            lot=lot,
            kind="loss",
            quantity_mg="1",
            staff=people.medical,
            witness=nurse,
            witness_password=password,
            reason="Spilled",
        )

    for _ in range(5):
        with pytest.raises(WitnessRefused, match="is not correct"):
            loss("guess")
    with pytest.raises(WitnessRefused) as paused:
        loss(PASSWORD)
    assert paused.value.code == "witness_paused"
    assert unchanged(lot)


def test_the_database_refuses_a_loss_without_a_witness(lot, people):
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    clinic=people.clinic,
                    lot=lot,
                    seq=2,
                    kind="loss",
                    quantity_mg=Decimal("-450"),
                    balance_after_mg=Decimal("50"),
                    occurred_at=timezone.now(),
                    staff=people.medical,
                    recorded_by=people.medical,
                    reason="bypassing the service",
                )
            ]
        )
    assert unchanged(lot)


# The API ------------------------------------------------------------------------------------


def record(client, lot, **body):
    return client.post(f"/api/v1/controlled/lots/{lot.pk}/record/", body, format="json")


def assert_refused(response, status: int, code: str):
    body = response.json()
    assert response.status_code == status, body
    assert set(body) >= {"code", "detail", "fields"}, body
    assert body["code"] == code
    assert body["detail"]


def test_a_loss_without_a_witness_is_refused_through_the_api(people, api_as, lot):
    response = record(
        api_as(people.medical), lot, kind="loss", quantity_mg="450", reason="Broken vial"
    )
    assert_refused(response, 409, "witness_refused")
    assert "witness" in response.json()["fields"]
    assert unchanged(lot)


def test_the_recorder_as_witness_is_refused_through_the_api(people, api_as, lot):
    response = record(
        api_as(people.medical),
        lot,
        kind="loss",
        quantity_mg="450",
        reason="Broken vial",
        witness_id=people.medical.pk,
        witness_password=PASSWORD,
    )
    assert_refused(response, 409, "witness_refused")
    assert "different staff member" in response.json()["detail"]
    assert unchanged(lot)


def test_a_wrong_witness_password_is_refused_through_the_api(people, api_as, lot, nurse):
    response = record(
        api_as(people.medical),
        lot,
        kind="loss",
        quantity_mg="450",
        reason="Broken vial",
        witness_id=nurse.pk,
        witness_password="guess",
    )
    assert_refused(response, 409, "witness_refused")
    assert "witness_password" in response.json()["fields"]
    assert unchanged(lot)


def test_an_adjustment_down_without_a_witness_is_refused_through_the_api(people, api_as, lot):
    response = record(
        api_as(people.medical), lot, kind="adjustment", quantity_mg="-450", reason="Recount"
    )
    assert_refused(response, 409, "witness_refused")
    assert unchanged(lot)


def test_a_witnessed_loss_is_recorded_through_the_api(people, api_as, lot, nurse):
    response = record(
        api_as(people.medical),
        lot,
        kind="loss",
        quantity_mg="450",
        reason="Vial dropped on the tiled floor",
        witness_id=nurse.pk,
        witness_password=PASSWORD,
    )
    assert response.status_code == 201, response.json()
    assert response.json()["witness_name"] == "Nina Nurse, RN"
    assert unchanged(lot, entries=2, balance="50.00")


def test_theft_is_recorded_through_the_api(people, api_as, lot, nurse):
    response = record(
        api_as(people.medical),
        lot,
        kind="theft",
        quantity_mg="450",
        reason="Vial missing from the locked cabinet after the weekend",
        reference="DPD 26-0142",
        witness_id=nurse.pk,
        witness_password=PASSWORD,
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "theft"
    assert unchanged(lot, entries=2, balance="50.00")


def test_a_witness_of_another_clinic_is_refused_through_the_api(people, api_as, lot):
    response = record(
        api_as(people.medical),
        lot,
        kind="loss",
        quantity_mg="450",
        reason="Broken vial",
        witness_id=people.other_admin.pk,
        witness_password=PASSWORD,
    )
    assert_refused(response, 400, "invalid")
    assert "witness_id" in response.json()["fields"]
    assert unchanged(lot)


def test_another_clinics_lot_answers_404_to_a_loss(people, api_as, lot):
    response = record(
        api_as(people.other_admin), lot, kind="loss", quantity_mg="450", reason="Broken vial"
    )
    assert response.status_code == 404
    assert set(response.json()) >= {"code", "detail"}
    assert unchanged(lot)


def test_a_bad_quantity_is_refused_in_the_error_shape(people, api_as, lot, nurse):
    for bad in ("0", "-5", "lots"):
        response = record(
            api_as(people.medical),
            lot,
            kind="loss",
            quantity_mg=bad,
            reason="Broken vial",
            witness_id=nurse.pk,
            witness_password=PASSWORD,
        )
        assert_refused(response, 400, "invalid")
        assert "quantity_mg" in response.json()["fields"], bad
    assert unchanged(lot)


# The pages ----------------------------------------------------------------------------------


def test_the_loss_page_asks_for_a_witness_and_refuses_without_one(people, web_as, lot, nurse):
    client = web_as(people.medical)
    url = f"/controlled/lots/{lot.pk}/record/loss/"
    form = client.get(url).content.decode()
    assert 'name="witness"' in form and 'name="witness_password"' in form

    response = client.post(url, {"quantity_mg": "450", "reason": "Vial cracked"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert unchanged(lot)

    response = client.post(
        url,
        {
            "quantity_mg": "450",
            "reason": "Vial cracked",
            "witness": nurse.pk,
            "witness_password": "guess",
        },
    )
    assert response.status_code == 200
    assert "password of Nina Nurse, RN is not correct" in response.content.decode()
    assert unchanged(lot)

    response = client.post(
        url,
        {
            "quantity_mg": "450",
            "reason": "Vial cracked",
            "witness": nurse.pk,
            "witness_password": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert unchanged(lot, entries=2, balance="50.00")


@pytest.mark.parametrize("kind", ["return", "transfer", "theft"])
def test_every_outgoing_page_asks_for_a_witness(people, web_as, lot, kind):
    form = web_as(people.medical).get(f"/controlled/lots/{lot.pk}/record/{kind}/")
    assert form.status_code == 200
    assert 'name="witness_password"' in form.content.decode()


def test_another_clinics_lot_page_answers_404(people, web_as, lot):
    response = web_as(people.other_admin).post(
        f"/controlled/lots/{lot.pk}/record/loss/", {"quantity_mg": "450", "reason": "x"}
    )
    assert response.status_code == 404
    assert unchanged(lot)
