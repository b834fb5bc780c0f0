"""The ledger is clinic-wide for admins and medical staff, but a patient's name (and
address) shows only to an admin or the patient's care team; anyone else reads initials and
record number, on the API, the lot page and the administration log alike."""

import csv
import io
from decimal import Decimal

import pytest

from controlled import services
from tests.factories import StaffFactory, UserFactory, clinic_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def off_team(people):
    """A medical staff member of the clinic on no care team."""
    return StaffFactory(
        clinic=people.clinic,
        role="medical",
        credentials="NP",
        user=UserFactory(username="olga", first_name="Olga", last_name="Offteam"),
    )


@pytest.fixture
def administered(lot, people, dose):
    record = dose("35")
    services.administration_record(
        dosing_record=record, lot=lot, recorded_by=people.medical, drawn_mg=Decimal("35")
    )
    return record


def _administration(client):
    rows = client.get("/api/v1/controlled/entries/?kind=administration").json()["results"]
    (row,) = rows
    return row


@pytest.mark.parametrize("who", ["admin", "medical"])
def test_an_admin_or_the_care_team_reads_the_patients_name(people, api_as, administered, who):
    row = _administration(api_as(getattr(people, who)))
    assert row["patient"] == people.patient.pk
    assert row["patient_name"] == "Erin Patient"
    assert row["patient_reference"] == "Erin Patient"


def test_medical_staff_off_the_care_team_read_initials_and_record_number(
    people, api_as, administered, off_team
):
    client = api_as(off_team)
    row = _administration(client)
    assert row["patient_name"] is None
    assert row["patient_reference"] == f"E.P. · record {people.patient.pk}"
    detail = client.get(f"/api/v1/controlled/entries/{row['id']}/").content.decode()
    assert "Erin" not in detail and "Patient" not in detail.replace("patient", "")


def test_the_lot_page_shows_the_same_reference(people, web_as, lot, administered, off_team):
    html = web_as(off_team).get(f"/controlled/lots/{lot.pk}/").content.decode()
    assert f"E.P. · record {people.patient.pk}" in html
    assert "Erin Patient" not in html
    on_team = web_as(people.medical).get(f"/controlled/lots/{lot.pk}/").content.decode()
    assert "Erin Patient" in on_team


@pytest.mark.usefixtures("clinic_midday")
def test_the_administration_log_hides_name_and_address_off_the_care_team(
    people, api_as, administered, off_team
):
    today = clinic_today(people.clinic)
    url = f"/api/v1/controlled/entries/log-csv/?start={today}&end={today}"

    def administration_row(client):
        rows = csv.DictReader(io.StringIO(client.get(url).content.decode()))
        (row,) = [r for r in rows if r["kind"] == "Administration"]
        return row

    row = administration_row(api_as(off_team))
    assert row["patient_name"] == f"E.P. · record {people.patient.pk}"
    assert row["patient_address"] == ""
    row = administration_row(api_as(people.admin))
    assert row["patient_name"] == "Erin Patient"
    assert row["patient_address"] == "; ".join(people.patient.address_lines)
