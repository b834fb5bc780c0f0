"""Esketamine under its REMS through the API and the pages: the same refusals as the
services (one `{code, detail, fields}` answer with every reason, nothing changed), and the
SPRAVATO REMS patient monitoring form of a session, as PDF and CSV, read back.

The form is the clinic's admins' and medical staff's: another clinic's session is 404, a
patient or a therapist is refused (403), a ketamine session has none (404); each download
is an audited access.
"""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

from practice import services
from practice.models import ClinicalSettings, DosingRecord, Patient, TreatmentPlan
from tests.audit import audited_reads
from tests.otp import sign_in
from tests.practice.clinical import (
    GOOD_GATE,
    cleared_with_plan,
    device_lot,
    dose,
    dosing_session,
    esketamine_dose,
    esketamine_plan,
    rems_assessed,
    rems_readings,
    row_counts,
    screen,
    stock_lot,
)

pytestmark = pytest.mark.django_db

# 10:00 in Denver, a Wednesday; the clinic's day is the same in UTC.
MORNING = datetime.datetime(2026, 10, 14, 16, 0, tzinfo=datetime.UTC)


def post_dose(client, session, lot, **changes):
    body = {**GOOD_GATE, "dose_mg": "56", "weight_kg": "70.0", "lot_id": lot.pk, **changes}
    return client.post(f"/api/v1/sessions/{session.pk}/dosing/", body, format="json")


def discharge(client, record, minutes=120, **body):
    at = record.administered_at + datetime.timedelta(minutes=minutes)
    body = {
        "alert_and_oriented": True,
        "escort_present": True,
        "ready_per_clinical_judgement": True,
        **body,
    }
    with time_machine.travel(at, tick=False):
        return client.post(
            f"/api/v1/sessions/{record.session_id}/dosing/discharge/", body, format="json"
        )


# The dose -------------------------------------------------------------------------------


def test_a_60_mg_esketamine_dose_is_refused_with_the_labels_doses(people, api_as):
    session = dosing_session(people, esketamine_plan(people))
    lot = device_lot(people)
    before = row_counts()
    response = post_dose(api_as(people.medical), session, lot, dose_mg="60")
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["reasons"]) == ("dosing_gate_refused", ["esketamine_dose"])
    assert body["fields"] == {
        "dose_mg": [
            "60 mg is not an esketamine dose: the label gives 56 mg (2 devices) or 84 mg "
            "(3 devices) per session, nothing else."
        ]
    }
    assert row_counts() == before


def test_a_ketamine_vial_lot_is_refused_for_esketamine(people, api_as):
    session = dosing_session(people, esketamine_plan(people))
    vial = stock_lot(people)
    before = row_counts()
    response = post_dose(api_as(people.medical), session, vial)
    assert response.status_code == 409
    body = response.json()
    assert body["reasons"] == ["formulation"]
    assert body["fields"]["lot_id"] == [
        f"Lot {vial.lot_number} is {vial.product.name} (vial (injectable solution)), not a "
        "formulation for the Esketamine nasal spray (Spravato) route; draw the dose from a "
        "product for that route."
    ]
    assert row_counts() == before


def test_the_esketamine_device_lot_is_refused_for_im_ketamine(people, api_as):
    session = dosing_session(people, cleared_with_plan(people))
    devices = device_lot(people)
    before = row_counts()
    response = post_dose(api_as(people.medical), session, devices, dose_mg="35")
    assert response.status_code == 409
    body = response.json()
    assert body["reasons"] == ["formulation"]
    assert "not a formulation for the Intramuscular (IM) route" in body["detail"]
    assert row_counts() == before


def test_56_mg_from_the_device_lot_is_recorded(people, api_as):
    session = dosing_session(people, esketamine_plan(people))
    response = post_dose(api_as(people.medical), session, device_lot(people))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["route"], body["dose_mg"], body["sedation"]) == ("esketamine_nasal", "56.00", "")


# Discharge ------------------------------------------------------------------------------


def test_discharge_is_refused_at_1_59_and_accepted_at_2_hours(people, api_as):
    client = api_as(people.medical)
    record = esketamine_dose(people, dosing_session(people, esketamine_plan(people)))
    rems_readings(people, record)
    response = client.post(
        f"/api/v1/sessions/{record.session_id}/dosing/observations/",
        {"sedation": "moderate", "dissociation_score": 5},
        format="json",
    )
    assert response.json()["sedation"] == "moderate"
    early = discharge(client, record, minutes=119)
    assert early.status_code == 409
    assert (early.json()["code"], early.json()["reasons"]) == ("discharge_refused", ["observation"])
    response = discharge(client, record, ready_after_minutes=80)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["discharge_ready_per_clinical_judgement"] is True
    assert body["ready_after_minutes"] == 80
    assert body["discharged_by"] == people.medical.pk


def test_discharge_without_the_40_minute_reading_lists_every_missing_item(people, api_as):
    client = api_as(people.medical)
    record = esketamine_dose(people, dosing_session(people, esketamine_plan(people)))
    rems_readings(people, record, at_minutes=(100,))
    before = row_counts()
    response = discharge(client, record, ready_per_clinical_judgement=False)
    assert response.status_code == 409
    body = response.json()
    assert body["reasons"] == ["bp_40_minutes", "sedation", "dissociation", "clinical_judgement"]
    assert set(body["fields"]) == {"sedation", "dissociation_score", "ready_per_clinical_judgement"}
    assert row_counts() == before
    assert DosingRecord.objects.get(pk=record.pk).discharged_at is None


def test_a_ready_after_time_beyond_the_discharge_is_refused(people, api_as):
    record = esketamine_dose(people, dosing_session(people, esketamine_plan(people)))
    rems_readings(people, record)
    rems_assessed(people, record)
    response = discharge(api_as(people.medical), record, ready_after_minutes=500)
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "ready_after_minutes": ["A whole number of minutes after the dose, from 1 to 120."]
    }
    assert DosingRecord.objects.get(pk=record.pk).discharged_at is None


def test_the_observation_setting_below_120_is_refused_through_the_api(people, api_as):
    response = api_as(people.admin).patch(
        "/api/v1/clinical-settings/", {"esketamine_observe_minutes": 90}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["esketamine_observe_minutes"] == [
        "At least 120: the SPRAVATO REMS requires monitoring for at least two hours after "
        "each esketamine dose."
    ]
    assert not ClinicalSettings.objects.exists()


def test_an_esketamine_plan_is_drafted_in_mg(people, api_as):
    screen(people)
    client = api_as(people.medical)
    body = {"patient": people.patient.pk, "route": "esketamine_nasal"}
    refused = client.post("/api/v1/treatment-plans/", {**body, "starting_dose_mg": "60"})
    assert refused.status_code == 400
    assert "starting_dose_mg" in refused.json()["fields"]
    assert not TreatmentPlan.objects.exists()
    created = client.post("/api/v1/treatment-plans/", {**body, "starting_dose_mg": "56"})
    assert created.status_code == 201, created.json()
    plan = created.json()
    assert (plan["starting_dose_mg"], plan["starting_dose_mg_per_kg"]) == ("56.0", None)
    assert plan["induction_target_sessions"] == 8


# The REMS patient monitoring form -------------------------------------------------------


@pytest.fixture
def rems_session(people):
    """Erin's esketamine session on Oct 14 (clinic time), 56 mg at about 10:00, the
    ~40-minute and pre-discharge readings, sedation and dissociation, nausea, and the
    discharge two hours later; the clinic and Erin enrolled in the REMS."""
    people.clinic.rems_setting_id = "HCS-000731"
    people.clinic.save()
    Patient.objects.filter(pk=people.patient.pk).update(rems_patient_id="PT-4471802")
    with time_machine.travel(MORNING, tick=False):
        session = dosing_session(people, esketamine_plan(people))
        record = esketamine_dose(people, session)
    readings = {"systolic": 146, "diastolic": 90, "heart_rate": 84, "spo2": 96}
    at_40 = record.administered_at + datetime.timedelta(minutes=41)
    with time_machine.travel(at_40, tick=False):
        services.vitals_record(record=record, by=people.medical, taken_at=at_40, **readings)
        services.adverse_event_record(
            record=record, by=people.medical, kind="nausea", description="Queasy."
        )
    rems_readings(people, record, at_minutes=(110,))
    rems_assessed(people, record, sedation="mild", dissociation_score=4)
    at = record.administered_at + datetime.timedelta(minutes=125)
    with time_machine.travel(at, tick=False):
        services.dosing_discharge(
            record=record,
            by=people.medical,
            alert_and_oriented=True,
            escort_present=True,
            ready_per_clinical_judgement=True,
            ready_after_minutes=70,
        )
    return DosingRecord.objects.get(pk=record.pk)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_pdf_holds_the_forms_fields(people, api_as, rems_session):
    record = rems_session
    response = api_as(people.medical).get(f"/api/v1/sessions/{record.session_id}/rems-form/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        f"rems-monitoring-session-{record.session_id}-2026-10-14.pdf"
        in (response["Content-Disposition"])
    )
    assert "Erin" not in response["Content-Disposition"]
    text = flat(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages))
    local = record.administered_at.astimezone(people.clinic.zone)
    for expected in [
        "SPRAVATO® REMS patient monitoring form",
        "First name Erin",
        "Last name Patient",
        "Birthdate 04/12/1986",
        "REMS patient ID PT-4471802",
        "First treatment session Yes",
        f"Healthcare setting name {people.clinic.name}",
        "Address 1 1450 Pearl Street, Suite 200",
        "REMS healthcare setting ID HCS-000731",
        "Treatment date 10/14/2026",
        "Dose administered (mg) 56",
        "Nasal spray devices (28 mg each) 2",
        f"Lot number {record.lot_number}",
        f"First device administered at {local:%H:%M}",
        "Total time (minutes, first device to completion of monitoring) 125",
        "Patient monitored for at least 2 hours Yes",
        "ready to leave after (minutes from the start of administration) 70",
        "Blood pressure before administration 128/82",
        "Blood pressure about 40 minutes after 146/90",
        "(41 min)",
        "Blood pressure before the end of the session 128/82",
        "Did the patient experience sedation Yes",
        "Deepest sedation Mild",
        "Did the patient experience dissociation Yes",
        "Peak dissociation (0–10) 4",
        "Nausea (mild,",
        "Any severe adverse event (report hospitalisation or death to the REMS) No",
        "Prescriber Dana Medic, MD",
        "Prescriber's signature",
        "Discharged by Dana Medic",
    ]:
        assert expected in text, expected


def test_the_csv_holds_the_same_answers(people, api_as, rems_session):
    record = rems_session
    response = api_as(people.admin).get(
        f"/api/v1/sessions/{record.session_id}/rems-form/?format=csv"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    [row] = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {
        key: row[key]
        for key in [
            "patient_first_name",
            "patient_last_name",
            "patient_date_of_birth",
            "rems_patient_id",
            "setting_name",
            "rems_setting_id",
            "treatment_date",
            "dose_mg",
            "devices",
            "total_minutes",
            "monitored_at_least_2_hours",
            "ready_after_minutes",
            "ready_per_clinical_judgement",
            "bp_before_dose",
            "bp_40_minutes",
            "bp_before_discharge",
            "lowest_spo2",
            "sedation",
            "dissociation",
            "severe_adverse_event",
            "prescriber_name",
        ]
    } == {
        "patient_first_name": "Erin",
        "patient_last_name": "Patient",
        "patient_date_of_birth": "04/12/1986",
        "rems_patient_id": "PT-4471802",
        "setting_name": people.clinic.name,
        "rems_setting_id": "HCS-000731",
        "treatment_date": "10/14/2026",
        "dose_mg": "56",
        "devices": "2",
        "total_minutes": "125",
        "monitored_at_least_2_hours": "Yes",
        "ready_after_minutes": "70",
        "ready_per_clinical_judgement": "Yes",
        "bp_before_dose": "128/82",
        "bp_40_minutes": "146/90",
        "bp_before_discharge": "128/82",
        "lowest_spo2": "96",
        "sedation": "Yes",
        "dissociation": "Yes",
        "severe_adverse_event": "No",
        "prescriber_name": "Dana Medic, MD",
    }
    assert row["adverse_events"].startswith("Nausea (mild, ")


def test_downloading_the_form_is_an_audited_access(people, api_as, rems_session):
    record = rems_session
    assert audited_reads(record) == []
    api_as(people.medical).get(f"/api/v1/sessions/{record.session_id}/rems-form/?format=csv")
    [entry] = audited_reads(record)
    assert entry.actor == people.medical.user


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("medical", 200),
        ("therapist", 403),
        ("patient", 403),
        ("other_patient", 403),
        ("other_admin", 404),
    ],
)
def test_only_the_clinics_admins_and_medical_staff_read_the_form(
    people, api_as, rems_session, who, status
):
    record = rems_session
    response = api_as(getattr(people, who)).get(
        f"/api/v1/sessions/{record.session_id}/rems-form/?format=csv"
    )
    assert response.status_code == status
    if status != 200:
        assert "Erin" not in response.content.decode()
        assert audited_reads(record) == []


def test_a_ketamine_session_has_no_rems_form_and_a_bad_format_is_refused(
    people, api_as, rems_session
):
    client = api_as(people.admin)
    ketamine = dose(people, dosing_session(people, cleared_with_plan(people)))
    assert client.get(f"/api/v1/sessions/{ketamine.session_id}/rems-form/").status_code == 404
    bad = client.get(f"/api/v1/sessions/{rems_session.session_id}/rems-form/?format=xls")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid" and "format" in bad.json()["fields"]
    assert client.get("/api/v1/sessions/999999/rems-form/").status_code == 404


def test_the_session_page_links_the_form_and_serves_it(people, web_as, rems_session):
    record = rems_session
    page = web_as(people.medical).get(f"/sessions/{record.session_id}/")
    assert b'data-testid="rems-form-pdf"' in page.content
    response = web_as(people.admin).get(f"/sessions/{record.session_id}/rems-form/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Erin" in text


@pytest.mark.parametrize(("who", "status"), [("patient", 403), ("therapist", 403)])
def test_the_form_page_refuses_patients_and_therapists(people, client, rems_session, who, status):
    sign_in(client, getattr(people, who).user)
    assert client.get(f"/sessions/{rems_session.session_id}/rems-form/").status_code == status


def test_the_form_page_of_another_clinics_admin_is_404(people, client, rems_session):
    sign_in(client, people.other_admin.user)
    assert client.get(f"/sessions/{rems_session.session_id}/rems-form/").status_code == 404


# The pages ------------------------------------------------------------------------------


def test_the_session_page_discharges_on_the_rems_items_and_refuses_without_them(people, web_as):
    record = esketamine_dose(people, dosing_session(people, esketamine_plan(people)))
    rems_readings(people, record)
    client = web_as(people.medical)
    url = f"/sessions/{record.session_id}/"
    page = client.get(url).content.decode()
    assert 'data-testid="rems-discharge"' in page and "Deepest sedation" in page
    client.post(
        url,
        {
            "action": "observations",
            "observations-sedation": "none",
            "observations-dissociation_score": "2",
        },
    )
    at = record.administered_at + datetime.timedelta(minutes=120)
    checklist = {
        "action": "discharge",
        "discharge-alert_and_oriented": "on",
        "discharge-escort_present": "on",
    }
    with time_machine.travel(at, tick=False):
        # Two hours on, the first sign-in has idled out: the medical staff member signs in again.
        client = web_as(people.medical)
        refused = client.post(url, checklist, follow=True).content.decode()
        assert "clinically stable and ready to leave, in your clinical" in refused
        assert DosingRecord.objects.get(pk=record.pk).discharged_at is None
        client.post(
            url,
            {
                **checklist,
                "discharge-ready_per_clinical_judgement": "on",
                "discharge-ready_after_minutes": "90",
            },
        )
    record = DosingRecord.objects.get(pk=record.pk)
    assert (record.sedation, record.dissociation_score, record.ready_after_minutes) == (
        "none",
        2,
        90,
    )
    assert record.discharged_at == at and record.discharged_by == people.medical


def test_an_esketamine_plan_is_drafted_on_the_plan_page(people, web_as):
    screen(people)
    client = web_as(people.medical)
    url = f"/patients/{people.patient.pk}/plans/new/"
    form = {"route": "esketamine_nasal", "maintenance_interval_days": "14"}
    refused = client.post(url, {**form, "starting_dose_mg_per_kg": "0.8"})
    assert refused.status_code == 200
    assert "Esketamine is dosed in mg, not mg/kg" in refused.content.decode()
    assert not TreatmentPlan.objects.exists()
    response = client.post(url, {**form, "starting_dose_mg": "56"})
    plan = TreatmentPlan.objects.get()
    assert response.status_code == 302
    assert (plan.starting_dose_mg, plan.induction_target_sessions) == (Decimal("56"), 8)
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "starting dose 56 mg" in page and "About 48 %" in page
