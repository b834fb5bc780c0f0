"""The clinical safety gates through the API: each refusal is one `{code, detail, fields}`
answer with every reason in `reasons`, and changes nothing (dosing records, ledger entries,
audit rows); an override is medical staff's, with a reason, and shows on the record.

Numbered as in tests/practice/test_safety_gates.py (the same cases at the service layer).
"""

import datetime
from decimal import Decimal

import pytest
import time_machine

from practice import services
from practice.models import ClinicalSettings, PlanTargetChange, TreatmentPlan
from tests.factories import TreatmentPlanFactory, clinic_today
from tests.practice.clinical import (
    GOOD_GATE,
    cleared_with_plan,
    dose,
    dosing_session,
    observed,
    row_counts,
    screen,
    small_lot,
    stock_lot,
    troche_lot,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def post_dose(client, session, lot, **changes):
    body = {**GOOD_GATE, "dose_mg": "35", "weight_kg": "70.0", "lot_id": lot.pk, **changes}
    return client.post(f"/api/v1/sessions/{session.pk}/dosing/", body, format="json")


def refused(client, session, lot, *, status=409, **changes) -> dict:
    """POST the dose, expect the one refusal, and check nothing changed."""
    before = row_counts()
    response = post_dose(client, session, lot, **changes)
    assert response.status_code == status, response.json()
    assert row_counts() == before
    body = response.json()
    assert {"code", "detail"} <= set(body)
    return body


# 1. The newest screening -----------------------------------------------------------------


def test_a_newer_not_cleared_screening_refuses_the_dose_and_the_check_in(people, api_as):
    today = clinic_today(people.clinic)
    plan = cleared_with_plan(people, screened_on=today - 10 * DAY)
    checked_in = dosing_session(people, plan)
    booked = dosing_session(people, plan, checked_in=False)  # another slot today
    client = api_as(people.medical)
    response = client.post(
        "/api/v1/screenings/",
        {
            "patient": people.patient.pk,
            "screened_on": today.isoformat(),
            "baseline_systolic": 120,
            "baseline_diastolic": 78,
            "baseline_heart_rate": 70,
            "weight_kg": "70.0",
            "findings": [{"contraindication_id": _item(people, "Pregnancy or breastfeeding")}],
        },
        format="json",
    )
    assert response.json()["result"] == "not_cleared"

    body = refused(client, checked_in, stock_lot(people))
    assert (body["code"], body["reasons"]) == ("dosing_gate_refused", ["screening"])
    assert "Pregnancy or breastfeeding" in body["detail"]
    check_in = client.post(f"/api/v1/sessions/{booked.pk}/check-in/")
    assert check_in.status_code == 409
    assert check_in.json()["code"] == "session_transition_refused"
    booked.refresh_from_db()
    assert booked.status == "scheduled"


def _item(people, name):
    from practice.models import Contraindication

    services.clinic_clinical_setup(clinic=people.clinic)
    return Contraindication.objects.get(clinic=people.clinic, name=name).pk


def test_a_newer_screening_awaiting_sign_off_refuses_until_signed(people, api_as):
    plan = cleared_with_plan(people, screened_on=clinic_today(people.clinic) - 10 * DAY)
    session = dosing_session(people, plan)
    review = screen(people, "Severe liver disease")
    client, lot = api_as(people.medical), stock_lot(people)
    assert refused(client, session, lot)["reasons"] == ["screening"]
    signed = client.post(
        f"/api/v1/screenings/{review.pk}/sign-off/", {"reason": "Mild; enzymes normal."}
    )
    assert signed.status_code == 200
    assert post_dose(client, session, lot).status_code == 201


# 2. The induction target -----------------------------------------------------------------


def test_a_dose_past_the_target_is_409_until_medical_staff_raise_it(people, api_as):
    plan = cleared_with_plan(people)
    TreatmentPlan.objects.filter(pk=plan.pk).update(induction_target_sessions=1)
    dose(people, dosing_session(people, plan))
    session = dosing_session(people, plan)
    medical, lot = api_as(people.medical), stock_lot(people)
    body = refused(medical, session, lot)
    assert body["reasons"] == ["induction_target"]
    url = f"/api/v1/treatment-plans/{plan.pk}/target/"
    change = {"induction_target_sessions": 3, "reason": "Partial response; two more doses."}
    for who in ("therapist", "admin"):
        assert api_as(getattr(people, who)).post(url, change).status_code == 403
    missing = medical.post(url, {"induction_target_sessions": 3})
    assert missing.status_code == 400 and "reason" in missing.json()["fields"]
    assert not PlanTargetChange.objects.exists()

    changed = medical.post(url, change)
    assert changed.status_code == 200, changed.json()
    assert changed.json()["induction_target_sessions"] == 3
    assert changed.json()["target_changes"][0]["reason"] == change["reason"]
    assert post_dose(medical, session, lot).status_code == 201
    assert medical.get(f"/api/v1/treatment-plans/{plan.pk}/").json()["progress"] == (
        "2 of 3 induction doses"
    )


# 3. Dose sanity --------------------------------------------------------------------------


def test_700_mg_im_for_70_kg_is_refused_then_given_with_an_override(people, api_as):
    session, lot = dosing_session(people), stock_lot(people)
    client = api_as(people.medical)
    body = refused(client, session, lot, dose_mg="700")
    assert body["reasons"] == ["dose_range", "dose_plan"]
    assert body["overridable"] == ["dose_range", "dose_plan"]
    assert "dose_mg" in body["fields"]
    body = refused(client, session, lot, dose_mg="700", dose_override=True)
    assert body["reasons"] == ["dose_range", "dose_plan", "override_reason"]

    response = post_dose(
        client,
        session,
        lot,
        dose_mg="105",
        dose_override=True,
        dose_override_reason="Planned step to 1.5 mg/kg.",
    )
    assert response.status_code == 201, response.json()
    record = response.json()
    assert record["dose_override_by"] == people.medical.pk
    assert record["dose_override_reason"] == "Planned step to 1.5 mg/kg."
    assert "off the plan's starting dose" in record["dose_override_for"]


@pytest.mark.parametrize("who", ["therapist", "admin"])
def test_a_therapist_or_admin_attempting_an_override_is_403(people, api_as, who):
    session, lot = dosing_session(people), stock_lot(people)
    body = refused(
        api_as(getattr(people, who)),
        session,
        lot,
        status=403,
        dose_mg="700",
        dose_override=True,
        dose_override_reason="I say so.",
    )
    assert body["code"] in ("permission_denied", "dosing_medical_only")


def test_spo2_85_and_heart_rate_140_are_refused(people, api_as):
    body = refused(
        api_as(people.medical),
        dosing_session(people),
        stock_lot(people),
        predose_spo2=85,
        predose_heart_rate=140,
    )
    assert body["reasons"] == ["spo2", "heart_rate"]
    assert set(body["fields"]) == {"predose_spo2", "predose_heart_rate"}


def test_an_iv_dose_on_an_im_plan_from_the_troche_lot_is_refused(people, api_as):
    body = refused(api_as(people.medical), dosing_session(people), troche_lot(people), route="iv")
    assert body["reasons"] == ["route", "formulation"]
    assert set(body["fields"]) == {"route", "lot_id"}


def test_30_kg_against_70_at_screening_needs_the_weight_confirmed(people, api_as):
    session, lot = dosing_session(people), stock_lot(people)
    client = api_as(people.medical)
    body = refused(client, session, lot, weight_kg="30.0", dose_mg="15")
    assert body["reasons"] == ["weight"]
    response = post_dose(
        client, session, lot, weight_kg="30.0", dose_mg="15", weight_confirmed=True
    )
    assert response.status_code == 201, response.json()
    assert response.json()["weight_confirmed"] is True


def test_the_settings_api_takes_the_new_limits_and_refuses_incoherent_ones(people, api_as):
    client = api_as(people.admin)
    bad = client.patch(
        "/api/v1/clinical-settings/",
        {"im_dose_min_mg_per_kg": "1.000", "im_dose_max_mg_per_kg": "0.500"},
        format="json",
    )
    assert bad.status_code == 400
    assert "im_dose_min_mg_per_kg" in bad.json()["fields"]
    assert not ClinicalSettings.objects.exists()
    good = client.patch(
        "/api/v1/clinical-settings/",
        {"predose_spo2_refuse_below": 95, "oral_observe_minutes": 120},
        format="json",
    )
    assert good.status_code == 200, good.json()
    body = good.json()
    assert (body["predose_spo2_refuse_below"], body["oral_observe_minutes"]) == (95, 120)
    assert body["im_dose_max_mg_per_kg"] == "2.000"


# 5. Discharge ----------------------------------------------------------------------------


def test_discharge_a_second_after_the_dose_is_409_then_200_after_the_observation(people, api_as):
    session = dosing_session(people)
    record = dose(people, session)
    client = api_as(people.medical)
    url = f"/api/v1/sessions/{session.pk}/dosing/discharge/"
    checklist = {"vitals_near_baseline": True, "alert_and_oriented": True, "escort_present": True}
    with time_machine.travel(record.administered_at + datetime.timedelta(seconds=1), tick=False):
        client.post(
            f"/api/v1/sessions/{session.pk}/vitals/",
            {"systolic": 186, "diastolic": 112, "heart_rate": 96, "spo2": 97},
            format="json",
        )
        response = client.post(url, checklist, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "discharge_refused"
    assert body["reasons"] == ["observation", "discharge_pressure", "baseline"]
    record.refresh_from_db()
    assert record.discharged_at is None

    with observed(people, record):
        response = client.post(url, checklist, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["discharge_vitals_near_baseline"] is True


def test_an_oral_dose_cannot_leave_before_90_minutes(people, api_as):
    screen(people)
    plan = TreatmentPlanFactory(
        patient=people.patient, route="oral", starting_dose_mg_per_kg=Decimal("1.5")
    )
    session = dosing_session(people, plan)
    record = dose(people, session, dose_mg=Decimal("105"), lot=troche_lot(people))
    url = f"/api/v1/sessions/{session.pk}/dosing/discharge/"
    checklist = {"alert_and_oriented": True, "escort_present": True}
    with observed(people, record, minutes=61):
        response = api_as(people.medical).post(url, checklist, format="json")
    assert response.status_code == 409
    assert response.json()["reasons"] == ["observation"]


# 7. Smaller ones -------------------------------------------------------------------------


def test_a_screening_at_190_over_120_with_nothing_ticked_needs_review(people, api_as):
    response = api_as(people.medical).post(
        "/api/v1/screenings/",
        {
            "patient": people.patient.pk,
            "screened_on": clinic_today(people.clinic).isoformat(),
            "baseline_systolic": 190,
            "baseline_diastolic": 120,
            "baseline_heart_rate": 80,
            "weight_kg": "70.0",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["result"] == "needs_review"
    assert [f["name"] for f in body["findings"]] == [
        "Baseline blood pressure at or above the dosing limit"
    ]


def test_stock_shortage_is_listed_with_the_other_reasons(people, api_as):
    lot = small_lot(people)
    body = refused(
        api_as(people.medical),
        dosing_session(people),
        lot,
        escort_confirmed=False,
        predose_spo2=85,
    )
    assert body["reasons"] == ["escort", "spo2", "stock"]
    assert f"Lot {lot.lot_number} holds 30.00 mg" in body["detail"]
