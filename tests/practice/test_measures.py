"""GAD-7 and PHQ-9: scoring at the band edges, item 9, response and remission, scoping."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from practice import instruments, services
from practice.errors import AlertAlreadyAcknowledged, InvalidInput, MeasureRefused, RoleNotAllowed
from practice.models import MeasureResponse, SafetyAlert
from practice.selectors import measure_summaries, measures_due
from tests.factories import MeasureResponseFactory
from tests.practice.clinical import cleared_with_plan, dose, dosing_session


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_bands_at_their_edges(total, band):
    assert instruments.severity("gad7", total) == band


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands_at_their_edges(total, band):
    assert instruments.severity("phq9", total) == band


@given(st.sampled_from(["gad7", "phq9"]), st.data())
def test_the_score_is_the_sum_and_always_in_a_band(instrument, data):
    n = len(instruments.spec(instrument).items)
    answers = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    assert instruments.validate_answers(instrument, answers) == []
    total = instruments.score(instrument, answers)
    assert total == sum(answers) <= 3 * n
    assert instruments.severity(instrument, total) != ""


@pytest.mark.parametrize(
    ("answers", "problem"),
    [([1] * 6, "has 7 items; got 6"), ([1] * 6 + [4], "Item 7"), ([1] * 6 + [True], "Item 7")],
)
def test_answers_that_cannot_be_scored_are_refused(answers, problem):
    assert problem in " ".join(instruments.validate_answers("gad7", answers))


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_a_patient_records_a_gad7(people):
    response = services.measure_record(
        patient=people.patient,
        instrument="gad7",
        answers=[2, 2, 2, 2, 1, 1, 1],
        entered_by=people.patient.user,
    )
    assert (response.score, response.severity, response.entered_on_behalf) == (
        11,
        "moderate",
        False,
    )


@pytestmark_db
def test_staff_entering_for_the_patient_is_marked_on_behalf(people):
    response = services.measure_record(
        patient=people.patient, instrument="phq9", answers=[0] * 9, entered_by=people.therapist.user
    )
    assert response.entered_on_behalf
    with pytest.raises(MeasureRefused):
        services.measure_record(
            patient=people.patient,
            instrument="phq9",
            answers=[0] * 9,
            entered_by=people.other_admin.user,
        )
    assert MeasureResponse.objects.count() == 1


@pytestmark_db
def test_bad_answers_change_nothing(people):
    with pytest.raises(MeasureRefused, match="has 9 items"):
        services.measure_record(
            patient=people.patient,
            instrument="phq9",
            answers=[1] * 8,
            entered_by=people.patient.user,
        )
    assert not MeasureResponse.objects.exists()


@pytestmark_db
@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_item_9_above_zero_raises_an_urgent_alert(
    people, item9, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = services.measure_record(
            patient=people.patient,
            instrument="phq9",
            answers=[1] * 8 + [item9],
            entered_by=people.patient.user,
        )
    alert = SafetyAlert.objects.get()
    assert alert.severity == "urgent" and alert.kind == "phq9_item9"
    assert alert.measure == response and alert.is_open
    assert "Contact the patient" in alert.message
    assert len(callbacks) == 1  # the care team is emailed after commit


@pytestmark_db
def test_phq9_item_9_at_zero_raises_nothing(people):
    services.measure_record(
        patient=people.patient,
        instrument="phq9",
        answers=[3] * 8 + [0],
        entered_by=people.patient.user,
    )
    assert not SafetyAlert.objects.exists()


@pytestmark_db
def test_the_care_team_sees_the_alert_until_a_risk_assessment_closes_it(people, api_as):
    services.measure_record(
        patient=people.patient, instrument="phq9", answers=[1] * 9, entered_by=people.patient.user
    )
    alert = SafetyAlert.objects.get()
    for who in ("therapist", "medical", "admin"):
        assert (
            "PHQ-9 item 9"
            in api_as(getattr(people, who)).get("/api/v1/safety-alerts/?open=true").content.decode()
        )
    assert api_as(people.outsider).get("/api/v1/safety-alerts/").json()["results"] == []
    client = api_as(people.therapist)
    response = client.post(
        f"/api/v1/safety-alerts/{alert.pk}/acknowledge/", {"note": ""}, format="json"
    )
    assert response.status_code == 400
    # A note, however full, no longer closes a suicidality alert: the risk assessment does.
    response = client.post(
        f"/api/v1/safety-alerts/{alert.pk}/acknowledge/",
        {"note": "Called Erin; safety plan reviewed, no intent."},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "risk_assessment_required"
    alert.refresh_from_db()
    assert alert.is_open
    services.risk_assessment_record(
        patient=people.patient,
        by=people.therapist,
        answers={"wish_dead": True, "suicidal_thoughts": False, "behaviour": False},
        formulation="Passive wish to be dead on bad days; no thoughts of acting. Review weekly.",
        alert=alert,
    )
    assert api_as(people.medical).get("/api/v1/safety-alerts/?open=true").json()["results"] == []
    with pytest.raises(AlertAlreadyAcknowledged):
        services.safety_alert_acknowledge(alert=alert, by=people.medical, note="Also saw it")


@pytestmark_db
def test_a_vitals_alert_is_still_acknowledged_with_a_note(people, api_as):
    alert = services.safety_alert_raise(
        patient=people.patient, kind="vitals", severity="warning", message="BP 182/104"
    )
    with pytest.raises(InvalidInput):
        services.safety_alert_acknowledge(alert=alert, by=people.therapist, note="  ")
    response = api_as(people.therapist).post(
        f"/api/v1/safety-alerts/{alert.pk}/acknowledge/",
        {"note": "Rechecked at 15 minutes: 150/92."},
        format="json",
    )
    assert response.status_code == 200
    alert.refresh_from_db()
    assert not alert.is_open and alert.acknowledged_by == people.therapist


@pytestmark_db
def test_an_admin_cannot_acknowledge_an_alert(people, api_as):
    services.measure_record(
        patient=people.patient, instrument="phq9", answers=[1] * 9, entered_by=people.patient.user
    )
    alert = SafetyAlert.objects.get()
    with pytest.raises(RoleNotAllowed):
        services.safety_alert_acknowledge(alert=alert, by=people.admin, note="Seen")
    response = api_as(people.admin).post(
        f"/api/v1/safety-alerts/{alert.pk}/acknowledge/", {"note": "Seen"}, format="json"
    )
    assert response.status_code == 403


@pytestmark_db
def test_the_dashboard_shows_the_alert_to_the_care_team(people, web_as):
    services.measure_record(
        patient=people.patient, instrument="phq9", answers=[1] * 9, entered_by=people.patient.user
    )
    assert "PHQ-9 item 9" in web_as(people.therapist).get("/today/").content.decode()


# Response and remission ---------------------------------------------------------------------


def _series(people, instrument, scores, start):
    for days, score in enumerate(scores):
        MeasureResponseFactory(
            patient=people.patient,
            instrument=instrument,
            answers=[0],
            score=score,
            severity=instruments.severity(instrument, score),
            answered_at=start + datetime.timedelta(days=7 * days),
        )


@pytestmark_db
@pytest.mark.parametrize(
    ("scores", "response", "remission"),
    [
        ([16, 8], True, False),  # exactly 50 % lower
        ([16, 9], False, False),  # 44 % lower
        ([16, 4], True, True),
        ([6, 4], False, True),  # below 5 without halving
        ([16], False, False),  # no follow-up yet
        ([0, 0], False, True),
    ],
)
def test_response_is_half_the_baseline_and_remission_is_below_5(
    people, scores, response, remission
):
    _series(people, "gad7", scores, timezone.now() - datetime.timedelta(days=30))
    (summary,) = measure_summaries(patient=people.patient)
    assert summary.baseline.score == scores[0]
    assert summary.latest.score == scores[-1]
    assert summary.response is response
    assert summary.remission is remission


@pytestmark_db
def test_the_baseline_is_the_last_answer_before_the_first_dose(people):
    session = dosing_session(people)
    start = timezone.now() - datetime.timedelta(days=20)
    _series(people, "gad7", [18, 15], start)  # both before the dose: baseline is 15
    record = dose(people, session)
    MeasureResponseFactory(
        patient=people.patient,
        instrument="gad7",
        score=6,
        answers=[0],
        answered_at=record.administered_at + datetime.timedelta(days=1),
    )
    (summary,) = measure_summaries(patient=people.patient)
    assert (summary.baseline.score, summary.latest.score, summary.change) == (15, 6, -9)
    assert summary.response


# Schedules tied to dosing ------------------------------------------------------------------


@pytestmark_db
def test_baseline_is_due_before_the_first_dose_then_24h_and_7_days_after_each(people):
    plan = cleared_with_plan(people)
    assert [d.instrument for d in measures_due(patient=people.patient)] == ["gad7", "phq9"]
    assert measures_due(patient=people.patient)[0].reason.startswith("Baseline")
    for instrument, answers in (("gad7", [2] * 7), ("phq9", [2] * 8 + [0])):
        services.measure_record(
            patient=people.patient,
            instrument=instrument,
            answers=answers,
            entered_by=people.patient.user,
        )
    assert measures_due(patient=people.patient) == []
    record = dose(people, dosing_session(people, plan))
    given_at = record.administered_at
    assert measures_due(patient=people.patient, now=given_at + datetime.timedelta(hours=23)) == []
    due = measures_due(patient=people.patient, now=given_at + datetime.timedelta(hours=25))
    assert [(d.instrument, d.reason) for d in due] == [
        ("gad7", "24 h after dose 1"),
        ("phq9", "24 h after dose 1"),
    ]
    with time_machine.travel(given_at + datetime.timedelta(hours=26)):
        services.measure_record(
            patient=people.patient,
            instrument="gad7",
            answers=[1] * 7,
            entered_by=people.patient.user,
        )
    due = measures_due(patient=people.patient, now=given_at + datetime.timedelta(hours=30))
    assert [d.instrument for d in due] == ["phq9"]
    due = measures_due(patient=people.patient, now=given_at + datetime.timedelta(days=7, hours=1))
    assert [(d.instrument, d.reason) for d in due] == [
        ("gad7", "7 days after dose 1"),
        ("phq9", "7 days after dose 1"),
    ]


@pytestmark_db
def test_a_patient_sees_only_their_own_measures(people, api_as):
    MeasureResponseFactory(patient=people.patient)
    MeasureResponseFactory(patient=people.other_patient)
    mine = api_as(people.patient).get("/api/v1/measures/").json()["results"]
    assert [m["patient"] for m in mine] == [people.patient.pk]
    other = MeasureResponse.objects.get(patient=people.other_patient)
    assert api_as(people.patient).get(f"/api/v1/measures/{other.pk}/").status_code == 404
    assert api_as(people.other_admin).get(f"/api/v1/measures/{other.pk}/").status_code == 404


@pytestmark_db
def test_a_patient_answers_for_themself_only(people, api_as):
    response = api_as(people.patient).post(
        "/api/v1/measures/",
        {"instrument": "gad7", "answers": [1] * 7, "patient": people.other_patient.pk},
        format="json",
    )
    assert response.status_code == 400  # another patient is not visible to them
    response = api_as(people.patient).post(
        "/api/v1/measures/", {"instrument": "gad7", "answers": [1] * 7}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["patient"] == people.patient.pk and response.json()["score"] == 7


@pytestmark_db
def test_the_measure_list_costs_the_same_for_1_or_10(people, api_as, django_assert_num_queries):
    client = api_as(people.therapist)
    MeasureResponseFactory(patient=people.patient)
    # 1 token → user, 2 user → staff member, 3 count, 4 responses (care-team scoped)
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(5):
        assert len(client.get("/api/v1/measures/").json()["results"]) == 1
    for _ in range(9):
        MeasureResponseFactory(patient=people.patient)
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(5):
        assert len(client.get("/api/v1/measures/").json()["results"]) == 10


@pytestmark_db
def test_the_patient_page_draws_the_trend_with_doses(people, web_as):
    plan = cleared_with_plan(people)
    _series(people, "gad7", [16, 12], timezone.now() - datetime.timedelta(days=14))
    dose(people, dosing_session(people, plan))
    html = web_as(people.therapist).get(f"/patients/{people.patient.pk}/").content.decode()
    assert 'data-instrument="gad7"' in html
    assert "GAD-7 trend: 16 to 12" in html
    assert "<title>Dose 1," in html


# PCL-5 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "below PTSD cut-point"),
        (32, "below PTSD cut-point"),
        (33, "probable PTSD"),
        (80, "probable PTSD"),
    ],
)
def test_pcl5_bands_at_the_cut_point_of_33(total, band):
    assert instruments.severity("pcl5", total) == band


def test_pcl5_has_20_items_answered_0_to_4_and_tops_out_at_80():
    spec = instruments.spec("pcl5")
    assert (len(spec.items), spec.max_answer, spec.max_score) == (20, 4, 80)
    assert instruments.validate_answers("pcl5", [4] * 20) == []
    assert instruments.score("pcl5", [4] * 20) == 80
    assert instruments.validate_answers("pcl5", [0] * 19 + [5]) == [
        "Item 20: choose an answer from 0 to 4."
    ]
    assert "has 20 items; got 19" in instruments.validate_answers("pcl5", [1] * 19)[0]
    # The other questionnaires still stop at 3.
    assert "Item 7" in instruments.validate_answers("gad7", [0] * 6 + [4])[0]


@given(st.lists(st.integers(0, 4), min_size=20, max_size=20))
def test_a_pcl5_score_is_the_sum_and_always_in_a_band(answers):
    assert instruments.validate_answers("pcl5", answers) == []
    total = instruments.score("pcl5", answers)
    assert total == sum(answers) <= 80
    assert instruments.severity("pcl5", total) in ("below PTSD cut-point", "probable PTSD")


@pytestmark_db
@pytest.mark.parametrize(
    ("answers", "score", "severity"),
    [([4] * 20, 80, "probable PTSD"), ([0] * 20, 0, "below PTSD cut-point")],
)
def test_a_patient_records_a_pcl5_at_the_ends_of_the_scale(people, answers, score, severity):
    response = services.measure_record(
        patient=people.patient, instrument="pcl5", answers=answers, entered_by=people.patient.user
    )
    response.refresh_from_db()
    assert (response.score, response.severity) == (score, severity)
    assert not SafetyAlert.objects.exists()  # PCL-5 has no self-harm item


@pytestmark_db
@pytest.mark.parametrize(
    ("instrument", "answers"),
    [("pcl5", [1] * 19), ("pcl5", [1] * 19 + [5]), ("pcl5", [1] * 19 + [-1]), ("phq9", [4] * 9)],
)
def test_pcl5_and_phq9_answers_out_of_range_are_refused_over_the_api_and_change_nothing(
    people, api_as, instrument, answers
):
    response = api_as(people.patient).post(
        "/api/v1/measures/", {"instrument": instrument, "answers": answers}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"code", "detail"}
    assert not MeasureResponse.objects.exists()


@pytestmark_db
def test_a_pcl5_answered_over_the_api_is_scored(people, api_as):
    response = api_as(people.patient).post(
        "/api/v1/measures/", {"instrument": "pcl5", "answers": [2] * 20}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["score"], response.json()["severity"]) == (40, "probable PTSD")


@pytestmark_db
@pytest.mark.parametrize(
    ("scores", "response", "remission"),
    [
        ([50, 40], True, False),  # exactly 10 points lower
        ([50, 41], False, False),  # 9 points
        ([40, 30], True, True),  # 10 lower and below the cut-point
        ([34, 32], False, True),  # below 33 without a 10-point drop
        ([50], False, False),
    ],
)
def test_pcl5_response_is_a_10_point_drop_and_remission_is_below_33(
    people, scores, response, remission
):
    _series(people, "pcl5", scores, timezone.now() - datetime.timedelta(days=30))
    (summary,) = measure_summaries(patient=people.patient)
    assert (summary.response, summary.remission) == (response, remission)


@pytestmark_db
def test_pcl5_falls_due_with_the_doses_when_the_clinic_collects_it(people):
    services.clinical_settings_update(
        clinic=people.clinic, by=people.admin, measure_instruments=["gad7", "pcl5"]
    )
    plan = cleared_with_plan(people)
    due = measures_due(patient=people.patient)
    assert [(d.instrument, d.name) for d in due] == [("gad7", "GAD-7"), ("pcl5", "PCL-5")]
    services.measure_record(
        patient=people.patient,
        instrument="pcl5",
        answers=[2] * 20,
        entered_by=people.patient.user,
    )
    assert [d.instrument for d in measures_due(patient=people.patient)] == ["gad7"]
    record = dose(people, dosing_session(people, plan))
    due = measures_due(
        patient=people.patient, now=record.administered_at + datetime.timedelta(hours=25)
    )
    assert ("pcl5", "24 h after dose 1") in [(d.instrument, d.reason) for d in due]


@pytestmark_db
def test_a_patient_answers_the_pcl5_in_the_portal(people, web_as):
    client = web_as(people.patient)
    page = client.get("/portal/questionnaires/pcl5/").content.decode()
    assert "20. Trouble falling or staying asleep" in page
    assert "Extremely" in page and "Nearly every day" not in page
    response = client.post("/portal/questionnaires/pcl5/", {f"item_{n}": "3" for n in range(1, 20)})
    assert response.status_code == 200 and "Choose an answer." in response.content.decode()
    assert not MeasureResponse.objects.exists()
    response = client.post("/portal/questionnaires/pcl5/", {f"item_{n}": "3" for n in range(1, 21)})
    assert response.status_code == 302
    assert MeasureResponse.objects.get().score == 60


@pytestmark_db
def test_staff_enter_a_pcl5_and_the_patient_page_draws_its_trend(people, web_as):
    client = web_as(people.therapist)
    url = f"/patients/{people.patient.pk}/measures/new/?instrument=pcl5"
    assert "PCL-5" in client.get(url).content.decode()
    assert client.post(url, {f"item_{n}": "2" for n in range(1, 21)}).status_code == 302
    assert MeasureResponse.objects.get().entered_on_behalf
    _series(people, "pcl5", [52], timezone.now() - datetime.timedelta(days=14))
    html = client.get(f"/patients/{people.patient.pk}/").content.decode()
    assert 'data-instrument="pcl5"' in html
    assert "PCL-5 trend: 52 to 40" in html
