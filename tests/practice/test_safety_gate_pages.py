"""The safety gates on the pages: the dose form offers SpO2, heart rate, the weight
confirmation and, once a dose is out of range, the override; the discharge form has no
"near baseline" tick; medical staff change a plan's induction target with a reason."""

import pytest

from practice.models import DosingRecord, PlanTargetChange, TreatmentPlan
from tests.practice.clinical import cleared_with_plan, dose, dosing_session, stock_lot

pytestmark = pytest.mark.django_db

OVERRIDE = "Override: give this dose outside the limits"


def dose_form(lot, **changes):
    data = {
        "action": "dosing",
        "dosing-escort_confirmed": "on",
        "dosing-fasting_confirmed": "on",
        "dosing-predose_systolic": "128",
        "dosing-predose_diastolic": "82",
        "dosing-predose_heart_rate": "74",
        "dosing-predose_spo2": "98",
        "dosing-route": "im",
        "dosing-weight_kg": "70.0",
        "dosing-dose_mg": "35",
        "dosing-lot": str(lot.pk),
    }
    data.update({f"dosing-{name}": value for name, value in changes.items()})
    return data


def test_the_override_appears_when_the_dose_is_out_of_range_and_records_it(people, web_as):
    session, lot = dosing_session(people), stock_lot(people)
    client = web_as(people.medical)
    url = f"/sessions/{session.pk}/"
    page = client.get(url).content.decode()
    assert "Pre-dose SpO2 %" in page and "Pre-dose heart rate" in page
    assert OVERRIDE not in page

    response = client.post(url, dose_form(lot, dose_mg="700"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "10 mg/kg, outside the clinic&#x27;s range for Intramuscular (IM)" in html
    assert OVERRIDE in html
    assert not DosingRecord.objects.exists()

    response = client.post(
        url,
        dose_form(
            lot,
            dose_mg="105",
            dose_override="on",
            dose_override_reason="Planned step to 1.5 mg/kg.",
        ),
    )
    assert response.status_code == 302
    record = DosingRecord.objects.get()
    assert record.dose_override_by == people.medical
    page = client.get(url).content.decode()
    assert "Dose override" in page and "Planned step to 1.5 mg/kg." in page


def test_the_weight_confirmation_appears_when_the_weight_is_off_the_screenings(people, web_as):
    session, lot = dosing_session(people), stock_lot(people)
    client = web_as(people.medical)
    url = f"/sessions/{session.pk}/"
    confirm = "Weight re-checked: it differs from the screening"
    assert confirm not in client.get(url).content.decode()
    html = client.post(url, dose_form(lot, weight_kg="30.0", dose_mg="15")).content.decode()
    assert "57 % off the screening" in html and confirm in html
    response = client.post(
        url, dose_form(lot, weight_kg="30.0", dose_mg="15", weight_confirmed="on")
    )
    assert response.status_code == 302
    assert DosingRecord.objects.get().weight_confirmed


def test_a_low_spo2_is_refused_on_the_page(people, web_as):
    session, lot = dosing_session(people), stock_lot(people)
    html = (
        web_as(people.medical)
        .post(f"/sessions/{session.pk}/", dose_form(lot, predose_spo2="85"))
        .content.decode()
    )
    assert "Pre-dose SpO2 85% is below the clinic&#x27;s limit (94%)." in html
    assert OVERRIDE not in html  # no override answers a vital sign
    assert not DosingRecord.objects.exists()


def test_the_discharge_form_has_no_near_baseline_tick(people, web_as):
    session = dosing_session(people)
    dose(people, session)
    page = web_as(people.medical).get(f"/sessions/{session.pk}/").content.decode()
    assert "Alert and oriented" in page
    assert "Vital signs back near baseline" not in page
    assert "Earliest discharge" in page and "read from the vital signs" in page


def test_discharge_on_the_page_a_second_after_the_dose_is_refused(people, web_as):
    session = dosing_session(people)
    dose(people, session)
    response = web_as(people.medical).post(
        f"/sessions/{session.pk}/",
        {
            "action": "discharge",
            "discharge-alert_and_oriented": "on",
            "discharge-escort_present": "on",
        },
        follow=True,
    )
    assert "Observe at least 60 minutes" in response.content.decode()
    assert DosingRecord.objects.get().discharged_at is None


def test_medical_staff_change_the_induction_target_on_the_plan_page(people, web_as):
    plan = cleared_with_plan(people)
    TreatmentPlan.objects.filter(pk=plan.pk).update(induction_target_sessions=1)
    dose(people, dosing_session(people, plan))
    url = f"/plans/{plan.pk}/"
    client = web_as(people.medical)
    page = client.get(url).content.decode()
    assert "another induction dose is refused" in page
    assert "Change the target" in page
    form = {"action": "target", "induction_target_sessions": "2"}
    html = client.post(url, form).content.decode()
    assert "This field is required." in html
    response = client.post(url, {**form, "reason": "One more dose before maintenance."})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "1 → 2 by Dana Medic, MD" in page and "One more dose before maintenance." in page
    assert PlanTargetChange.objects.count() == 1


@pytest.mark.parametrize("who", ["therapist", "admin"])
def test_others_cannot_change_the_induction_target_on_the_page(people, web_as, who):
    plan = cleared_with_plan(people)
    client = web_as(getattr(people, who))
    assert "Change the target" not in client.get(f"/plans/{plan.pk}/").content.decode()
    response = client.post(
        f"/plans/{plan.pk}/",
        {"action": "target", "induction_target_sessions": "9", "reason": "More."},
    )
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.induction_target_sessions == 6


def test_the_patient_page_says_a_newer_screening_closed_dosing(people, web_as):
    from tests.practice.clinical import screen

    cleared_with_plan(people)
    screen(people, "Pregnancy or breastfeeding")
    page = web_as(people.medical).get(f"/patients/{people.patient.pk}/").content.decode()
    assert "Not cleared for dosing" in page
    assert "absolute contraindication (Pregnancy or breastfeeding)" in page


def test_the_settings_page_shows_the_dose_and_discharge_limits(people, web_as):
    page = web_as(people.admin).get("/clinic/settings/clinical/").content.decode()
    for section in ("Dose limits", "Discharge"):
        assert f"<legend>{section}</legend>" in page
    assert "Refuse dosing at SpO2 &lt; (%)" in page
    assert "After oral, observe at least (minutes)" in page
