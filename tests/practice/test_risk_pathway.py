"""The suicide-risk pathway: PHQ-9 item 9 holds dosing; a C-SSRS risk assessment closes the
alert; moderate or high risk needs a safety plan before the next dose; the patient sees
their own safety plan and never an assessment."""

import datetime
import itertools

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from practice import cssrs, services
from practice.errors import (
    AlertAlreadyAcknowledged,
    DosingGateRefused,
    DosingOnHold,
    NotInClinic,
    RiskAssessmentRefused,
    RiskAssessmentRequired,
    RoleNotAllowed,
    SafetyPlanRefused,
)
from practice.models import DosingRecord, RiskAssessment, SafetyAlert, SafetyPlan
from practice.selectors import risk_hold_reasons
from tests.practice.clinical import GOOD_GATE, cleared_with_plan, dose, dosing_session, stock_lot

ANSWERS = {
    "low": {"wish_dead": True, "suicidal_thoughts": False, "behaviour": False},
    "moderate": {
        "wish_dead": True,
        "suicidal_thoughts": True,
        "method": True,
        "intent": False,
        "plan": False,
        "behaviour": False,
    },
    "high": {
        "wish_dead": True,
        "suicidal_thoughts": True,
        "method": True,
        "intent": True,
        "plan": False,
        "behaviour": False,
    },
}

PLAN = {
    "warning_signs": "Not answering texts\nLying awake after 2 am",
    "coping_strategies": "Walk the dog round the lake\nShower, then the breathing track",
    "social_distractions": "Coffee shop on 5th\nSister Jo (555-0101)",
    "people_to_ask": "Sister Jo (555-0101)\nFriend Sam (555-0102)",
    "professionals": "Bob Therapist, LCSW (clinic 555-0100)",
    "environment_safety": "Jo keeps the spare medication; no firearms at home",
    "reasons_for_living": "My daughter",
}

# A Saturday morning in Denver (UTC-7): nothing depends on the weekday or the wall clock.
T0 = datetime.datetime(2026, 3, 14, 16, 0, tzinfo=datetime.UTC)


def flag(people, *, entered_by=None) -> SafetyAlert:
    """Erin answers a PHQ-9 with item 9 'several days': the urgent alert opens."""
    response = services.measure_record(
        patient=people.patient,
        instrument="phq9",
        answers=[1] * 9,
        entered_by=entered_by or people.patient.user,
    )
    return SafetyAlert.objects.get(measure=response)


def assess(people, level="low", *, alert=None, by=None) -> RiskAssessment:
    return services.risk_assessment_record(
        patient=people.patient,
        by=by or people.therapist,
        answers=ANSWERS[level],
        formulation=f"Formulation for {level} risk; plan agreed with Erin.",
        alert=alert,
    )


def write_plan(people, *, by=None, **changes) -> SafetyPlan:
    return services.safety_plan_write(
        patient=people.patient, by=by or people.therapist, **{**PLAN, **changes}
    )


def api_dose(api_as, people, session, **overrides):
    payload = {
        **GOOD_GATE,
        "dose_mg": "35",
        "weight_kg": "70",
        "lot_id": stock_lot(people).pk,
        **overrides,
    }
    return api_as(people.medical).post(
        f"/api/v1/sessions/{session.pk}/dosing/", payload, format="json"
    )


# The C-SSRS screener's triage ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"wish_dead": False, "suicidal_thoughts": False, "behaviour": False}, "low"),
        ({"wish_dead": True, "suicidal_thoughts": False, "behaviour": False}, "low"),
        (
            {"wish_dead": False, "suicidal_thoughts": True, "method": False, "intent": False,
             "plan": False, "behaviour": False},
            "low",
        ),
        (
            {"wish_dead": True, "suicidal_thoughts": True, "method": True, "intent": False,
             "plan": False, "behaviour": False},
            "moderate",
        ),
        (
            {"wish_dead": False, "suicidal_thoughts": False, "behaviour": True,
             "behaviour_recent": False},
            "moderate",
        ),
        (
            {"wish_dead": True, "suicidal_thoughts": True, "method": False, "intent": True,
             "plan": False, "behaviour": False},
            "high",
        ),
        (
            {"wish_dead": True, "suicidal_thoughts": True, "method": False, "intent": False,
             "plan": True, "behaviour": False},
            "high",
        ),
        (
            {"wish_dead": False, "suicidal_thoughts": False, "behaviour": True,
             "behaviour_recent": True},
            "high",
        ),
        (
            {"wish_dead": True, "suicidal_thoughts": True, "method": True, "intent": False,
             "plan": False, "behaviour": True, "behaviour_recent": False},
            "moderate",
        ),
    ],
)  # fmt: skip
def test_the_screener_triage_for_each_answer_pattern(answers, level):
    assert cssrs.validate_answers(answers) == {}
    assert cssrs.risk_level(answers) == level


def _every_valid_pattern():
    """Every answer pattern the screener's flow can produce (54 of them)."""
    for wish, thoughts, behaviour in itertools.product([False, True], repeat=3):
        follow_ups = itertools.product([False, True], repeat=3) if thoughts else [(None,) * 3]
        recents = [False, True] if behaviour else [None]
        for (method, intent, plan), recent in itertools.product(list(follow_ups), recents):
            yield {
                "wish_dead": wish,
                "suicidal_thoughts": thoughts,
                "method": method,
                "intent": intent,
                "plan": plan,
                "behaviour": behaviour,
                "behaviour_recent": recent,
            }


def test_every_valid_pattern_is_triaged_as_the_screener_publishes_it():
    patterns = list(_every_valid_pattern())
    assert len(patterns) == 54
    for answers in patterns:
        assert cssrs.validate_answers(answers) == {}
        published = (
            "high"
            if answers["intent"] or answers["plan"] or answers["behaviour_recent"]
            else "moderate"
            if answers["method"] or answers["behaviour"]
            else "low"
        )
        assert cssrs.risk_level(answers) == published, answers


ORDER = {"low": 0, "moderate": 1, "high": 2}


@given(st.sampled_from(list(_every_valid_pattern())), st.sampled_from(list(cssrs.KEYS)))
def test_a_further_yes_never_lowers_the_risk(answers, key):
    more = {**answers, key: True}
    if cssrs.validate_answers(more):
        return  # a yes the flow would not have asked
    assert ORDER[cssrs.risk_level(more)] >= ORDER[cssrs.risk_level(answers)]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({}, "wish_dead"),
        ({"wish_dead": True, "suicidal_thoughts": True, "behaviour": False}, "method"),
        ({"wish_dead": True, "suicidal_thoughts": False, "intent": True, "behaviour": False},
         "intent"),
        ({"wish_dead": False, "suicidal_thoughts": False, "behaviour": True}, "behaviour_recent"),
        ({"wish_dead": False, "suicidal_thoughts": False, "behaviour": False,
          "behaviour_recent": True}, "behaviour_recent"),
        ({"wish_dead": "yes", "suicidal_thoughts": False, "behaviour": False}, "wish_dead"),
        ({"wish_dead": 1, "suicidal_thoughts": False, "behaviour": False}, "wish_dead"),
        ({"wish_dead": False, "suicidal_thoughts": False, "behaviour": False, "q7": True},
         "answers"),
        ([True, False], "answers"),
    ],
)  # fmt: skip
def test_incomplete_or_contradictory_answers_are_named(answers, field):
    assert field in cssrs.validate_answers(answers)


# Recording an assessment closes the alert --------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_a_risk_assessment_acknowledges_the_alert_in_the_same_transaction(people):
    alert = flag(people)
    assessment = assess(people, "moderate", alert=alert)
    alert.refresh_from_db()
    assert assessment.risk_level == "moderate" and assessment.alert == alert
    assert assessment.answers["behaviour_recent"] is None  # not asked: stored as skipped
    assert not alert.is_open and alert.acknowledged_by == people.therapist
    assert alert.acknowledged_at == assessment.assessed_at
    assert alert.acknowledgement_note.startswith("Risk assessment (C-SSRS screener): moderate")


@pytestmark_db
def test_one_assessment_closes_every_open_suicidality_alert_of_the_patient(people):
    first, second = flag(people), flag(people, entered_by=people.therapist.user)
    other = services.measure_record(
        patient=people.other_patient,
        instrument="phq9",
        answers=[1] * 9,
        entered_by=people.other_patient.user,
    )
    assessment = assess(people, "low")  # proactive: opened from the patient page
    assert assessment.alert == first
    assert not SafetyAlert.objects.filter(pk__in=[first.pk, second.pk], acknowledged_at=None)
    assert SafetyAlert.objects.get(measure=other).is_open


@pytestmark_db
def test_a_suicidality_alert_is_not_closed_by_a_note(people):
    alert = flag(people)
    with pytest.raises(RiskAssessmentRequired, match="risk assessment"):
        services.safety_alert_acknowledge(
            alert=alert, by=people.therapist, note="Called her; she is safe tonight."
        )
    alert.refresh_from_db()
    assert alert.is_open and alert.acknowledgement_note == ""


@pytestmark_db
@pytest.mark.parametrize(
    ("answers", "formulation", "field"),
    [
        ({"wish_dead": True}, "Seen.", "suicidal_thoughts"),
        ({**ANSWERS["low"], "plan": True}, "Seen.", "plan"),
        (ANSWERS["low"], "   ", "formulation"),
        ("yes", "Seen.", "answers"),
    ],
)
def test_bad_answers_are_refused_and_change_nothing(people, answers, formulation, field):
    alert = flag(people)
    with pytest.raises(RiskAssessmentRefused) as caught:
        services.risk_assessment_record(
            patient=people.patient,
            by=people.therapist,
            answers=answers,
            formulation=formulation,
            alert=alert,
        )
    assert field in caught.value.extra["fields"]
    assert not RiskAssessment.objects.exists()
    alert.refresh_from_db()
    assert alert.is_open


@pytestmark_db
@pytest.mark.parametrize(
    ("who", "error"), [("admin", RoleNotAllowed), ("other_admin", NotInClinic)]
)
def test_only_a_clinician_of_the_clinic_records_an_assessment(people, who, error):
    alert = flag(people)
    with pytest.raises(error):
        assess(people, alert=alert, by=getattr(people, who))
    assert not RiskAssessment.objects.exists()
    alert.refresh_from_db()
    assert alert.is_open


@pytestmark_db
def test_an_alert_of_another_patient_or_already_closed_is_refused(people):
    alert = flag(people)
    frank = services.measure_record(
        patient=people.other_patient,
        instrument="phq9",
        answers=[1] * 9,
        entered_by=people.other_patient.user,
    )
    with pytest.raises(RiskAssessmentRefused, match="not a suicidality alert of this patient"):
        assess(people, alert=SafetyAlert.objects.get(measure=frank))
    assess(people, alert=alert)
    with pytest.raises(AlertAlreadyAcknowledged):
        assess(people, alert=alert)
    assert RiskAssessment.objects.count() == 1


# Dosing is held ----------------------------------------------------------------------------


@pytestmark_db
def test_dosing_is_refused_over_the_api_while_the_item_9_alert_is_open(people, api_as):
    session = dosing_session(people)
    flag(people)
    response = api_dose(api_as, people, session, escort_confirmed=False)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "dosing_gate_refused"
    # Listed with every other reason the gate found.
    assert sorted(body["reasons"]) == ["escort", "risk_alert"]
    assert "risk assessment (C-SSRS)" in body["detail"]
    assert not DosingRecord.objects.exists()


@pytestmark_db
def test_a_low_risk_assessment_opens_dosing_again(people, api_as):
    session = dosing_session(people)
    alert = flag(people)
    assert api_dose(api_as, people, session).status_code == 409
    assess(people, "low", alert=alert)
    assert risk_hold_reasons(patient=people.patient) == []
    assert api_dose(api_as, people, session).status_code == 201


@pytestmark_db
@pytest.mark.parametrize("level", ["moderate", "high"])
def test_moderate_or_high_risk_holds_dosing_until_a_safety_plan_is_written(people, level):
    session = dosing_session(people)
    alert = flag(people)
    assess(people, level, alert=alert)
    with pytest.raises(DosingGateRefused, match=f"found {level} risk") as caught:
        dose(people, session)
    assert caught.value.extra["reasons"] == ["safety_plan"]
    write_plan(people)
    assert dose(people, session)


@pytestmark_db
def test_a_plan_written_before_the_new_assessment_must_be_reviewed(people):
    with time_machine.travel(T0, tick=False):
        session = dosing_session(people)
        write_plan(people)
    with time_machine.travel(T0 + datetime.timedelta(hours=1), tick=False):
        assess(people, "high", alert=flag(people))
    with time_machine.travel(T0 + datetime.timedelta(hours=2), tick=False):
        assert [code for code, _ in risk_hold_reasons(patient=people.patient)] == ["safety_plan"]
        reviewed = write_plan(people)  # unchanged: a review
        assert reviewed.version == 2
        assert risk_hold_reasons(patient=people.patient) == []
        assert dose(people, session)


@pytestmark_db
def test_a_later_low_risk_assessment_lifts_the_safety_plan_hold(people):
    with time_machine.travel(T0, tick=False):
        assess(people, "moderate", alert=flag(people))
    with time_machine.travel(T0 + datetime.timedelta(days=1), tick=False):
        assert risk_hold_reasons(patient=people.patient)
        assess(people, "low")
        assert risk_hold_reasons(patient=people.patient) == []


@pytestmark_db
def test_a_dosing_session_is_not_checked_in_while_on_hold(people, api_as):
    plan = cleared_with_plan(people)
    session = dosing_session(people, plan, checked_in=False)
    flag(people)
    with pytest.raises(DosingOnHold, match="Dosing is on hold") as caught:
        services.session_check_in(session=session)
    assert caught.value.extra["reasons"] == ["risk_alert"]
    response = api_as(people.medical).post(f"/api/v1/sessions/{session.pk}/check-in/")
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["reasons"]) == (
        "dosing_on_hold",
        ["risk_alert"],
    )
    session.refresh_from_db()
    assert session.status == "scheduled"
    # Talking sessions go ahead: the integration session may be where the risk is assessed.
    integration = services.session_create(
        patient=people.patient,
        clinician=people.therapist,
        kind="integration",
        starts_at=session.starts_at + datetime.timedelta(hours=3),
        ends_at=session.starts_at + datetime.timedelta(hours=4),
        plan=plan,
    )
    assert services.session_check_in(session=integration, at=integration.starts_at)
    assess(people, "low")
    assert services.session_check_in(session=session).status == "checked_in"


@pytestmark_db
def test_a_dose_can_still_be_booked_while_on_hold_and_its_page_shows_the_hold(people, web_as):
    plan = cleared_with_plan(people)
    flag(people)
    session = dosing_session(people, plan, checked_in=False)  # booking is not refused
    page = web_as(people.medical).get(f"/sessions/{session.pk}/").content.decode()
    assert "Not cleared for dosing" in page and "risk assessment (C-SSRS)" in page


# Safety plans ------------------------------------------------------------------------------


@pytestmark_db
def test_each_save_of_a_safety_plan_is_a_new_version_and_one_is_current(people):
    first = write_plan(people)
    second = write_plan(people, by=people.medical, warning_signs="Skipping meals")
    first.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert not first.is_current and second.is_current
    assert first.superseded_at == second.written_at
    assert SafetyPlan.objects.filter(superseded_at=None).get() == second
    assert second.steps[0] == (1, "Warning signs", SafetyPlan.STEPS[0][2], ["Skipping meals"])
    assert second.reasons == ["My daughter"]


@pytestmark_db
def test_a_safety_plan_with_a_blank_step_is_refused_and_changes_nothing(people):
    current = write_plan(people)
    with pytest.raises(SafetyPlanRefused) as caught:
        write_plan(people, environment_safety="  \n ", people_to_ask="")
    assert set(caught.value.extra["fields"]) == {"people_to_ask", "environment_safety"}
    assert "Step 6 (making the environment safe)" in caught.value.message
    assert list(SafetyPlan.objects.all()) == [current]
    current.refresh_from_db()
    assert current.is_current


@pytestmark_db
@pytest.mark.parametrize(
    ("who", "error"), [("admin", RoleNotAllowed), ("other_admin", NotInClinic)]
)
def test_only_a_clinician_of_the_clinic_writes_a_safety_plan(people, who, error):
    with pytest.raises(error):
        write_plan(people, by=getattr(people, who))
    assert not SafetyPlan.objects.exists()


# API ---------------------------------------------------------------------------------------


@pytestmark_db
def test_a_clinician_records_an_assessment_over_the_api_and_it_closes_the_alert(people, api_as):
    alert = flag(people)
    response = api_as(people.therapist).post(
        "/api/v1/risk-assessments/",
        {
            "patient": people.patient.pk,
            "alert": alert.pk,
            "answers": ANSWERS["high"],
            "formulation": "Intent without a plan; same-day psychiatric review booked.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["risk_level"], body["alert"], body["assessed_by"]) == (
        "high",
        alert.pk,
        people.therapist.pk,
    )
    alert_body = api_as(people.medical).get(f"/api/v1/safety-alerts/{alert.pk}/").json()
    assert alert_body["acknowledged_at"] is not None


@pytestmark_db
@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"answers": {"wish_dead": True}, "formulation": "Seen."}, "risk_assessment_invalid"),
        ({"answers": ANSWERS["low"], "formulation": ""}, "risk_assessment_invalid"),
        ({"answers": {"wish_dead": "perhaps"}, "formulation": "Seen."}, "invalid"),
        ({"formulation": "Seen."}, "invalid"),
    ],
)
def test_bad_assessments_over_the_api_are_400_and_change_nothing(people, api_as, payload, code):
    alert = flag(people)
    response = api_as(people.therapist).post(
        "/api/v1/risk-assessments/",
        {"patient": people.patient.pk, "alert": alert.pk, **payload},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"]
    assert not RiskAssessment.objects.exists()
    alert.refresh_from_db()
    assert alert.is_open


@pytestmark_db
def test_an_alert_out_of_reach_is_not_accepted(people, api_as):
    other_clinic_alert = services.safety_alert_raise(
        patient=people.foreign_patient, kind="phq9_item9", severity="urgent", message="Item 9"
    )
    response = api_as(people.therapist).post(
        "/api/v1/risk-assessments/",
        {
            "patient": people.patient.pk,
            "alert": other_clinic_alert.pk,
            "answers": ANSWERS["low"],
            "formulation": "Seen.",
        },
        format="json",
    )
    assert response.status_code == 400 and "alert" in response.json()["fields"]
    assert not RiskAssessment.objects.exists()


@pytestmark_db
@pytest.mark.parametrize(
    ("who", "list_count", "detail"),
    [
        ("therapist", 1, 200),
        ("medical", 1, 200),
        ("admin", 1, 200),
        ("outsider", 0, 404),
        ("other_admin", 0, 404),
        ("patient", None, 403),
        ("other_patient", None, 403),
    ],
)
def test_assessments_are_for_the_care_team_and_clinic_staff_never_the_patient(
    people, api_as, who, list_count, detail
):
    assessment = assess(people, alert=flag(people))
    client = api_as(getattr(people, who))
    listed = client.get("/api/v1/risk-assessments/")
    if list_count is None:
        assert listed.status_code == 403
    else:
        assert len(listed.json()["results"]) == list_count
    assert client.get(f"/api/v1/risk-assessments/{assessment.pk}/").status_code == detail


@pytestmark_db
def test_the_api_lists_the_screener_questions_with_their_skip_rules(people, api_as):
    rows = api_as(people.therapist).get("/api/v1/risk-assessments/questions/").json()
    assert [r["number"] for r in rows] == ["1", "2", "3", "4", "5", "6", "6a"]
    assert rows[2]["asked_when"] == "suicidal_thoughts" and "past month" in rows[0]["text"]


@pytestmark_db
def test_a_clinician_writes_versions_of_the_safety_plan_over_the_api(people, api_as):
    client = api_as(people.therapist)
    for version in (1, 2):
        response = client.post(
            "/api/v1/safety-plans/", {"patient": people.patient.pk, **PLAN}, format="json"
        )
        assert response.status_code == 201, response.json()
        assert response.json()["version"] == version
    assert len(client.get("/api/v1/safety-plans/").json()["results"]) == 2
    current = client.get("/api/v1/safety-plans/?current=true").json()["results"]
    assert [(p["version"], p["is_current"]) for p in current] == [(2, True)]


@pytestmark_db
def test_a_safety_plan_with_a_blank_step_is_400_over_the_api(people, api_as):
    response = api_as(people.therapist).post(
        "/api/v1/safety-plans/",
        {"patient": people.patient.pk, **PLAN, "coping_strategies": ""},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "safety_plan_invalid"
    assert "coping_strategies" in response.json()["fields"]
    assert not SafetyPlan.objects.exists()


@pytestmark_db
def test_the_patient_reads_only_their_own_current_safety_plan(people, api_as):
    old = write_plan(people)
    current = write_plan(people, warning_signs="Skipping meals")
    client = api_as(people.patient)
    listed = client.get("/api/v1/safety-plans/").json()["results"]
    assert [p["id"] for p in listed] == [current.pk]
    assert "988" in listed[0]["crisis_line"]
    assert client.get(f"/api/v1/safety-plans/{current.pk}/").status_code == 200
    assert client.get(f"/api/v1/safety-plans/{old.pk}/").status_code == 404
    response = client.post(
        "/api/v1/safety-plans/", {"patient": people.patient.pk, **PLAN}, format="json"
    )
    assert response.status_code == 403
    for who in ("other_patient", "outsider", "other_admin"):
        client = api_as(getattr(people, who))
        assert client.get(f"/api/v1/safety-plans/{current.pk}/").status_code == 404, who
        assert client.get("/api/v1/safety-plans/").json()["results"] == [], who
    assert SafetyPlan.objects.count() == 2


# Pages -------------------------------------------------------------------------------------


@pytestmark_db
def test_today_offers_assess_risk_instead_of_a_note_for_a_suicidality_alert(people, web_as):
    alert = flag(people)
    page = web_as(people.therapist).get("/today/").content.decode()
    assert f"/patients/{people.patient.pk}/risk-assessments/new/?alert={alert.pk}" in page
    assert 'name="note"' not in page
    # The alert page's old note form is refused too.
    response = web_as(people.therapist).post(
        "/alerts/", {"alert": alert.pk, "note": "Called, safe tonight."}, follow=True
    )
    assert "closed by recording a risk assessment" in response.content.decode()
    alert.refresh_from_db()
    assert alert.is_open


@pytestmark_db
@pytest.mark.parametrize(("who", "status"), [("admin", 403), ("outsider", 404), ("patient", 403)])
def test_the_assessment_page_is_for_the_patients_clinicians(people, web_as, who, status):
    url = f"/patients/{people.patient.pk}/risk-assessments/new/"
    assert web_as(getattr(people, who)).get(url).status_code == status
    assert web_as(people.other_admin).get(url).status_code == 404


@pytestmark_db
def test_an_alert_of_another_patient_in_the_address_answers_404(people, web_as):
    frank = services.measure_record(
        patient=people.other_patient,
        instrument="phq9",
        answers=[1] * 9,
        entered_by=people.other_patient.user,
    )
    alert = SafetyAlert.objects.get(measure=frank)
    url = f"/patients/{people.patient.pk}/risk-assessments/new/?alert={alert.pk}"
    assert web_as(people.therapist).get(url).status_code == 404


@pytestmark_db
def test_the_assessment_form_refuses_missing_answers_and_saves_nothing(people, web_as):
    alert = flag(people)
    url = f"/patients/{people.patient.pk}/risk-assessments/new/?alert={alert.pk}"
    response = web_as(people.therapist).post(url, {"wish_dead": "yes", "formulation": "Seen."})
    assert response.status_code == 200
    assert "Question 2: answer yes or no." in response.content.decode()
    assert not RiskAssessment.objects.exists()
    alert.refresh_from_db()
    assert alert.is_open


@pytestmark_db
def test_the_patient_page_shows_the_hold_the_result_and_the_plan(people, web_as):
    alert = flag(people)
    client = web_as(people.therapist)
    page = client.get(f"/patients/{people.patient.pk}/").content.decode()
    assert 'data-hold="risk_alert"' in page and "None recorded." in page
    assess(people, "moderate", alert=alert)
    page = client.get(f"/patients/{people.patient.pk}/").content.decode()
    assert 'data-hold="safety_plan"' in page and "Moderate risk" in page
    assert "Formulation for moderate risk" in page
    write_plan(people)
    page = client.get(f"/patients/{people.patient.pk}/").content.decode()
    assert "Dosing on hold" not in page
    assert "Walk the dog round the lake" in page and "Review safety plan" in page


@pytestmark_db
def test_the_safety_plan_editor_refuses_a_blank_step_and_saves_nothing(people, web_as):
    url = f"/patients/{people.patient.pk}/safety-plan/"
    response = web_as(people.therapist).post(url, {**PLAN, "warning_signs": ""})
    assert response.status_code == 200
    assert "Step 1 (warning signs)" in response.content.decode()
    assert not SafetyPlan.objects.exists()
    assert web_as(people.admin).get(url).status_code == 403
    assert web_as(people.outsider).get(url).status_code == 404


@pytestmark_db
def test_a_patient_sees_their_own_safety_plan_in_the_portal_and_no_one_elses(people, web_as):
    assert "My safety plan" not in web_as(people.patient).get("/portal/").content.decode()
    write_plan(people)
    page = web_as(people.patient).get("/portal/").content.decode()
    assert "My safety plan" in page and "Walk the dog round the lake" in page
    assert "988 Suicide &amp; Crisis Lifeline" in page
    assert "Formulation" not in page  # never the assessment
    other = web_as(people.other_patient).get("/portal/").content.decode()
    assert "My safety plan" not in other and "Walk the dog" not in other


# End to end --------------------------------------------------------------------------------


@pytestmark_db
def test_the_pathway_from_the_portal_questionnaire_to_the_dose(people, web_as, api_as):
    plan = cleared_with_plan(people)
    session = dosing_session(people, plan, checked_in=False)

    # 1. Erin answers a PHQ-9 in the portal, item 9 "several days".
    answers = {f"item_{n}": "1" for n in range(1, 10)}
    assert web_as(people.patient).post("/portal/questionnaires/phq9/", answers).status_code == 302
    alert = SafetyAlert.objects.get()

    # 2. The alert is on her therapist's /today/, with "Assess risk".
    therapist = web_as(people.therapist)
    today = therapist.get("/today/").content.decode()
    assess_url = f"/patients/{people.patient.pk}/risk-assessments/new/?alert={alert.pk}"
    assert "PHQ-9 item 9" in today and assess_url in today

    # Her dose cannot start.
    medical = api_as(people.medical)
    assert medical.post(f"/api/v1/sessions/{session.pk}/check-in/").json()["reasons"] == [
        "risk_alert"
    ]

    # 3. The therapist asks the C-SSRS: thoughts with a method, no intent, no plan.
    form = {
        "wish_dead": "yes",
        "suicidal_thoughts": "yes",
        "method": "yes",
        "intent": "no",
        "plan": "no",
        "behaviour": "no",
        "formulation": "Thoughts of overdosing when alone at night; no intent, no plan.",
    }
    response = therapist.post(assess_url, form)
    assert response.status_code == 302
    assert response.url == f"/patients/{people.patient.pk}/safety-plan/"
    assert RiskAssessment.objects.get().risk_level == "moderate"
    alert.refresh_from_db()
    assert not alert.is_open
    assert "PHQ-9 item 9" not in therapist.get("/today/").content.decode()
    assert medical.post(f"/api/v1/sessions/{session.pk}/check-in/").json()["reasons"] == [
        "safety_plan"
    ]

    # 4. They write the safety plan together.
    response = therapist.post(response.url, PLAN)
    assert response.status_code == 302
    assert SafetyPlan.objects.get().version == 1

    # 5. Erin sees it in her portal.
    portal = web_as(people.patient).get("/portal/").content.decode()
    assert "My safety plan" in portal and "Sister Jo (555-0101)" in portal

    # 6. The dose goes ahead.
    assert medical.post(f"/api/v1/sessions/{session.pk}/check-in/").status_code == 200
    assert api_dose(api_as, people, session).status_code == 201
    assert DosingRecord.objects.filter(session=session).exists()
