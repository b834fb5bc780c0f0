"""The 21 CFR 1304 records print as PDF (read back with pypdf) and CSV, for any past period."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from controlled import reports, services
from tests.factories import PASSWORD, clinic_today, receive_lot

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def month_of_activity(lot, people, nurse, dose):
    record = dose("35")
    services.administration_record(
        dosing_record=record, lot=lot, recorded_by=people.medical, drawn_mg=Decimal("40")
    )
    services.entry_record(
        lot=lot,
        kind="waste",
        quantity_mg="5",
        staff=people.medical,
        witness=nurse,
        witness_password=PASSWORD,
        dosing_record=record,
        reason="Unused remainder of the drawn dose",
    )
    services.entry_record(
        lot=lot,
        kind="destruction",
        quantity_mg="60",
        staff=people.medical,
        method="Chemical digestion",
        witness=nurse,
        witness_password=PASSWORD,
        second_witness=people.admin,
        second_witness_password=PASSWORD,
        reference="DEA 41",
    )
    return record


def test_the_administration_log_pdf_has_every_element_1304_22c_asks_for(
    month_of_activity, people, lot
):
    today = clinic_today(people.clinic)
    text = pdf_text(
        reports.administration_log_pdf(
            clinic=people.clinic, start=today, end=today, user=people.admin.user
        )
    )
    flat = " ".join(text.split())
    for expected in [
        "FC7654329",  # the registrant's DEA number
        "Clearwater Ketamine Clinic",
        "Ketamine hydrochloride",  # substance
        "50 mg/mL",  # finished form and strength
        "10 mL vial",  # units per commercial container
        "Lot K2201",
        "Front Range Medical Supply",  # received from whom
        "RM2233447",  # the supplier's DEA number
        "INV-2026-0142",
        "Erin Patient",  # to whom administered
        "22 Mapleton Avenue",  # and their address
        "Dana Medic",  # who administered
        "-35.00",
        "Nina Nurse",  # witness of the waste
        "Chemical digestion",  # manner of disposal
        "400.00",  # closing balance
    ]:
        assert expected in flat, expected


@pytest.mark.usefixtures("clinic_midday")
def test_the_administration_log_csv_has_one_row_per_entry(month_of_activity, people):
    today = clinic_today(people.clinic)
    rows = list(
        csv.DictReader(
            io.StringIO(
                reports.administration_log_csv(
                    clinic=people.clinic, start=today, end=today, user=people.admin.user
                )
            )
        )
    )
    assert [r["kind"] for r in rows] == [
        "Receipt",
        "Administration",
        "Waste (unused remainder)",
        "Destruction",
    ]
    administration = rows[1]
    assert administration["patient_name"] == "Erin Patient"
    assert "Boulder" in administration["patient_address"]
    assert administration["quantity_units"] == "-0.70"
    assert administration["unit"] == "mL"
    assert administration["registrant_dea_number"] == "FC7654329"
    assert administration["drawn_mg"] == "40.00"
    assert rows[2]["witness"] == "Nina Nurse, RN"
    assert rows[3]["second_witness"] == "Alice Admin"
    assert rows[3]["balance_after_mg"] == "400.00"


@pytest.mark.usefixtures("clinic_midday")
def test_records_older_than_two_years_stay_available(product, people, dose):
    long_ago = timezone.now() - datetime.timedelta(days=3 * 365)
    with time_machine.travel(long_ago, tick=False):
        old_lot = receive_lot(product=product, received_by=people.medical, lot_number="OLD-1")
        services.administration_record(
            dosing_record=dose("35"), lot=old_lot, recorded_by=people.medical
        )
    day = people.clinic.date_of(long_ago)
    text = " ".join(
        pdf_text(
            reports.administration_log_pdf(
                clinic=people.clinic, start=day, end=day, user=people.admin.user
            )
        ).split()
    )
    assert "Lot OLD-1" in text
    assert "Erin Patient" in text
    # A period after it shows the lot's opening balance carried forward.
    later = reports.administration_log(
        clinic=people.clinic,
        start=day + datetime.timedelta(days=1),
        end=clinic_today(people.clinic),
        user=people.admin.user,
    )
    (section,) = [s for s in later["sections"] if s["lot"] == old_lot]
    assert section["opening_mg"] == Decimal("465.00")
    assert section["entries"] == []


def test_the_inventory_pdf_and_csv(lot, people, nurse):
    inventory = services.inventory_take(
        clinic=people.clinic,
        kind="biennial",
        taken_on=clinic_today(people.clinic),
        time_of_day="close",
        counts={lot.pk: Decimal("9.5")},
        taken_by=people.medical,
        second_counter=nurse,
        second_counter_password=PASSWORD,
    )
    text = " ".join(pdf_text(reports.inventory_pdf(inventory=inventory)).split())
    for expected in [
        "Biennial inventory",
        "close of business",
        "FC7654329",
        "Ketamine hydrochloride",
        "50 mg/mL",
        "10 mL",  # units per container
        "K2201",
        "475.00",  # counted mg
        "Dana Medic",
        "Nina Nurse",
        "Differences from the ledger",
    ]:
        assert expected in text, expected
    (row,) = csv.DictReader(io.StringIO(reports.inventory_csv(inventory=inventory)))
    assert row["full_containers"] == "0"
    assert row["open_container_units"] == "9.50"
    assert row["discrepancy_mg"] == "-25.00"


def test_a_loss_row_holds_what_dea_form_106_asks(lot, people, nurse):
    services.entry_record(
        lot=lot,
        kind="theft",
        quantity_mg="450",
        staff=people.medical,
        witness=nurse,
        witness_password=PASSWORD,
        reason="Vial missing from the locked cabinet after the weekend",
        reference="DPD 26-0142",
    )
    today = clinic_today(people.clinic)
    rows = csv.DictReader(
        io.StringIO(
            reports.administration_log_csv(
                clinic=people.clinic, start=today, end=today, user=people.admin.user
            )
        )
    )
    (theft,) = [r for r in rows if r["kind"] == "Theft / suspected diversion"]
    assert theft["registrant"] and theft["registrant_dea_number"] == "FC7654329"
    assert theft["registrant_address"] == "; ".join(people.clinic.address_lines)
    assert theft["ndc"] == lot.product.ndc
    assert (theft["product"], theft["strength"], theft["form"]) == (
        "Ketamine 50 mg/mL, 10 mL vial",
        "50 mg/mL",
        "Vial (injectable solution)",
    )
    assert (theft["quantity_mg"], theft["quantity_units"], theft["containers"]) == (
        "-450.00",
        "-9.00",
        "-0.90",
    )
    assert theft["date_time"].startswith(today.isoformat())
    assert theft["reason_or_circumstances"].startswith("Vial missing")
    assert theft["reference"] == "DPD 26-0142"
    assert theft["witness"] == "Nina Nurse, RN"
