"""Sessions API: scoping, roles, lifecycle actions, dosing and vitals endpoints."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from practice.models import DosingRecord, Session
from tests.factories import RoomFactory, SessionFactory, working_hours_every_day
from tests.practice.clinical import (
    GOOD_GATE,
    cleared_with_plan,
    dose,
    dosing_session,
    observed,
    stock_lot,
)

pytestmark = pytest.mark.django_db


def ids(response):
    return sorted(row["id"] for row in response.json()["results"])


@pytest.fixture
def sessions(people):
    mine = SessionFactory(patient=people.patient, clinician=people.therapist)
    theirs = SessionFactory(patient=people.other_patient, clinician=people.outsider)
    foreign = SessionFactory(patient=people.foreign_patient)
    return mine, theirs, foreign


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", ["mine", "theirs"]),
        ("therapist", ["mine"]),
        ("medical", ["mine"]),
        ("outsider", ["theirs"]),
        ("patient", ["mine"]),
        ("other_patient", ["theirs"]),
        ("other_admin", ["foreign"]),
    ],
)
def test_each_person_lists_only_the_sessions_in_reach(people, api_as, sessions, who, expected):
    named = dict(zip(["mine", "theirs", "foreign"], sessions, strict=True))
    response = api_as(getattr(people, who)).get("/api/v1/sessions/")
    assert response.status_code == 200
    assert ids(response) == sorted(named[name].pk for name in expected)


@pytest.mark.parametrize("who", ["outsider", "other_patient", "other_admin"])
def test_a_session_out_of_reach_answers_404(people, api_as, sessions, who):
    mine = sessions[0]
    client = api_as(getattr(people, who))
    assert client.get(f"/api/v1/sessions/{mine.pk}/").status_code == 404
    # Staff of another clinic or off the care team find no such session; a patient may
    # check nobody in (403).
    check_in = client.post(f"/api/v1/sessions/{mine.pk}/check-in/")
    assert check_in.status_code == (403 if who == "other_patient" else 404)


def test_the_session_list_costs_the_same_queries_for_1_or_10_sessions(
    people, api_as, django_assert_num_queries
):
    client = api_as(people.admin)
    SessionFactory(patient=people.patient, clinician=people.therapist)
    # 1 token → user, 2 user → staff member (role), 3 sessions joined with patient,
    # clinician's user, plan, room and dosing record (a keyset page: no COUNT(*)).
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(4):
        assert len(client.get("/api/v1/sessions/").json()["results"]) == 1
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    for hour in range(9):
        SessionFactory(
            patient=people.other_patient,
            clinician=people.outsider,
            starts_at=start + datetime.timedelta(hours=2 * hour),
        )
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(4):
        assert len(client.get("/api/v1/sessions/").json()["results"]) == 10


def test_create_goes_through_session_create(people, api_as):
    # 10:00 clinic time in three days: inside the working hours given below.
    starts = (
        (timezone.now() + datetime.timedelta(days=3))
        .astimezone(ZoneInfo(people.clinic.timezone))
        .replace(hour=10, minute=0, second=0, microsecond=0)
    )
    payload = {
        "patient": people.patient.pk,
        "clinician": people.therapist.pk,
        "kind": "dosing",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + datetime.timedelta(hours=2)).isoformat(),
    }
    response = api_as(people.therapist).post("/api/v1/sessions/", payload, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "session_refused"
    assert "active treatment plan" in response.json()["detail"]
    assert not Session.objects.exists()

    plan = cleared_with_plan(people)
    # With scheduling installed, POST /sessions/ books: the clinician must be working then
    # and a dosing session needs a dosing-capable room (tests/scheduling cover those rules).
    working_hours_every_day(people.therapist)
    room = RoomFactory(clinic=people.clinic, dosing_capable=True)
    response = api_as(people.therapist).post(
        "/api/v1/sessions/", {**payload, "plan": plan.pk, "room": room.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "scheduled"
    assert response.json()["clinician_name"] == people.therapist.display_name


def test_a_patient_cannot_create_a_session(people, api_as):
    response = api_as(people.patient).post("/api/v1/sessions/", {}, format="json")
    assert response.status_code == 403


def test_staff_cannot_create_a_session_for_a_patient_out_of_reach(people, api_as):
    starts = timezone.now() + datetime.timedelta(days=3)
    response = api_as(people.outsider).post(
        "/api/v1/sessions/",
        {
            "patient": people.patient.pk,
            "clinician": people.outsider.pk,
            "kind": "integration",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + datetime.timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "patient" in response.json()["fields"]


def test_check_in_complete_and_no_show_actions(people, api_as):
    client = api_as(people.therapist)
    now = timezone.now().replace(microsecond=0)
    session = SessionFactory(
        patient=people.patient,
        clinician=people.therapist,
        starts_at=now - datetime.timedelta(minutes=1),
    )
    assert client.post(f"/api/v1/sessions/{session.pk}/check-in/").json()["status"] == "checked_in"
    response = client.post(f"/api/v1/sessions/{session.pk}/no-show/")
    assert response.status_code == 409
    assert "Only a scheduled session" in response.json()["detail"]
    assert client.post(f"/api/v1/sessions/{session.pk}/complete/").json()["status"] == "completed"


def test_a_therapist_cannot_record_a_dose_403(people, api_as):
    session = dosing_session(people)
    payload = {**GOOD_GATE, "dose_mg": "35", "weight_kg": "70", "lot_id": stock_lot(people).pk}
    response = api_as(people.therapist).post(
        f"/api/v1/sessions/{session.pk}/dosing/", payload, format="json"
    )
    assert response.status_code == 403
    assert not DosingRecord.objects.exists()


def test_medical_staff_record_a_dose_and_vitals(people, api_as):
    session = dosing_session(people)
    lot = stock_lot(people)
    client = api_as(people.medical)
    response = client.post(
        f"/api/v1/sessions/{session.pk}/dosing/",
        {**GOOD_GATE, "dose_mg": "42", "weight_kg": "70", "lot_id": lot.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["dose_mg_per_kg"] == "0.600"
    response = client.post(
        f"/api/v1/sessions/{session.pk}/vitals/",
        {"systolic": 184, "diastolic": 96, "heart_rate": 88, "spo2": 97},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["out_of_range"] is True
    vitals = api_as(people.therapist).get(f"/api/v1/sessions/{session.pk}/vitals/").json()
    assert [v["systolic"] for v in vitals] == [184]
    dosing = api_as(people.patient).get(f"/api/v1/sessions/{session.pk}/dosing/").json()
    assert dosing["lot_number"] == lot.lot_number and len(dosing["vitals"]) == 1


def test_the_gate_refusal_is_409_with_every_reason(people, api_as):
    session = dosing_session(people)
    response = api_as(people.medical).post(
        f"/api/v1/sessions/{session.pk}/dosing/",
        {
            **GOOD_GATE,
            "escort_confirmed": False,
            "predose_systolic": 165,
            "dose_mg": "35",
            "weight_kg": "70",
            "lot_id": stock_lot(people).pk,
        },
        format="json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "dosing_gate_refused"
    assert body["reasons"] == ["escort", "blood_pressure"]
    assert "Confirm the escort" in body["detail"]
    assert not DosingRecord.objects.exists()


def test_discharge_then_complete_over_the_api(people, api_as):
    session = dosing_session(people)
    dose(people, session)
    client = api_as(people.medical)
    response = client.post(f"/api/v1/sessions/{session.pk}/complete/")
    assert response.status_code == 409
    with observed(people, session.dosing):
        response = client.post(
            f"/api/v1/sessions/{session.pk}/dosing/discharge/",
            {"alert_and_oriented": True, "escort_present": True},
            format="json",
        )
    assert response.status_code == 200, response.json()
    assert response.json()["discharge_vitals_near_baseline"] is True
    assert client.post(f"/api/v1/sessions/{session.pk}/complete/").json()["status"] == "completed"


def test_vitals_before_a_dose_answer_404(people, api_as):
    session = dosing_session(people)
    response = api_as(people.medical).get(f"/api/v1/sessions/{session.pk}/vitals/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "moment",
    [
        "0776-11-16T14:55:49.2867-18:02",  # an offset no zone has (the database refuses it)
        "0001-01-01T00:30:00+05:00",  # before year 1 in UTC
        "9999-12-31T23:30:00-05:00",  # after year 9999 in UTC
        "yesterday",
    ],
)
def test_a_moment_out_of_range_in_a_filter_is_a_400(people, api_as, sessions, moment):
    api = api_as(people.admin)
    for name in ("starts_before", "starts_after"):
        response = api.get("/api/v1/sessions/", {name: moment})
        assert response.status_code == 400, (name, response.status_code)
        assert name in response.json()["fields"]
    response = api.get("/api/v1/sessions/", {"starts_before": "2030-01-01T00:00:00-14:00"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2
