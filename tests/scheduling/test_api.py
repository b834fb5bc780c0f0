"""The scheduling API: booking through /sessions/, reschedule, cancel, free slots, rooms,
retreats and enrollments; scoping answers 404; list query counts are constant."""

import datetime as dt

import pytest

from practice.models import Session
from scheduling.services import retreats
from scheduling.services.booking import session_book
from tests.factories import RoomFactory
from tests.scheduling.conftest import clear_for_retreat, local

pytestmark = pytest.mark.django_db


def post_booking(client, cal, **changes):
    body = {
        "patient": cal.people.patient.pk,
        "clinician": cal.people.therapist.pk,
        "kind": "integration",
        "starts_at": local(2027, 2, 3, 10).isoformat(),
        "ends_at": local(2027, 2, 3, 11).isoformat(),
        "room": cal.circle.pk,
        **changes,
    }
    return client.post("/api/v1/sessions/", body, format="json")


def test_posting_a_session_books_it_and_a_conflict_answers_409_naming_it(cal, api_as):
    client = api_as(cal.people.admin)
    created = post_booking(client, cal)
    assert created.status_code == 201, created.json()
    refused = post_booking(client, cal, patient=cal.people.other_patient.pk)
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "slot_taken"
    assert "#" not in body["detail"]
    assert "an integration session" in body["detail"]
    assert body["sessions"] == [created.json()["id"]]
    assert {c["resource"] for c in body["conflicts"]} == {"room", "clinician"}
    assert Session.objects.count() == 1


def test_booking_outside_hours_answers_409_and_changes_nothing(cal, api_as):
    response = post_booking(
        api_as(cal.people.admin),
        cal,
        starts_at=local(2027, 2, 3, 19).isoformat(),
        ends_at=local(2027, 2, 3, 20).isoformat(),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "outside_working_hours"
    assert not Session.objects.exists()


def test_reschedule_and_cancel_actions(cal, api_as):
    client = api_as(cal.people.admin)
    session_id = post_booking(client, cal).json()["id"]
    moved = client.post(
        f"/api/v1/sessions/{session_id}/reschedule/",
        {
            "starts_at": local(2027, 2, 4, 9).isoformat(),
            "ends_at": local(2027, 2, 4, 10).isoformat(),
        },
        format="json",
    )
    assert moved.status_code == 200, moved.json()
    assert Session.objects.get().starts_at == local(2027, 2, 4, 9)
    cancelled = client.post(
        f"/api/v1/sessions/{session_id}/cancel/", {"reason": "Flu"}, format="json"
    )
    assert cancelled.status_code == 200
    assert Session.objects.get().status == "cancelled"
    again = client.post(f"/api/v1/sessions/{session_id}/cancel/", {}, format="json")
    assert again.status_code == 409


# Another clinic's admin may move sessions, but not this one: 404. A therapist may move
# none at all: 403, before any session is looked up.
@pytest.mark.parametrize(("who", "status"), [("other_admin", 404), ("outsider", 403)])
def test_another_clinics_or_care_teams_session_answers_404(cal, api_as, who, status):
    session = session_book(
        patient=cal.people.patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 3, 10),
        ends_at=local(2027, 2, 3, 11),
        room=cal.circle,
    )
    client = api_as(getattr(cal.people, who))
    for action in ("reschedule", "cancel"):
        response = client.post(f"/api/v1/sessions/{session.pk}/{action}/", {}, format="json")
        assert response.status_code == status
    assert api_as(cal.people.other_admin).get(f"/api/v1/sessions/{session.pk}/").status_code == 404
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_free_slots_respect_hours_rooms_and_bookings(cal, api_as):
    session_book(
        patient=cal.people.patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 2, 8),
        ends_at=local(2027, 2, 2, 10),
        room=cal.dosing_a,
    )
    response = api_as(cal.people.admin).get(
        "/api/v1/sessions/free-slots/",
        {
            "start": local(2027, 2, 2, 0).isoformat(),
            "end": local(2027, 2, 3, 0).isoformat(),
            "minutes": 120,
            "count": 3,
            "clinician": cal.people.therapist.pk,
        },
    )
    assert response.status_code == 200, response.json()
    slots = response.json()
    assert [s["starts_at"][11:16] for s in slots] == ["17:00", "17:15", "17:30"]  # 10:00 MST…
    assert {s["room_name"] for s in slots} == {"Dosing A"}


@pytest.mark.parametrize("who", ["patient", "other_patient"])
def test_a_patient_asking_for_free_slots_gets_403_not_a_server_error(cal, api_as, who):
    response = api_as(getattr(cal.people, who)).get(
        "/api/v1/sessions/free-slots/",
        {
            "start": local(2027, 2, 2, 0).isoformat(),
            "end": local(2027, 2, 3, 0).isoformat(),
            "minutes": 60,
        },
    )
    assert response.status_code == 403


def test_rooms_are_scoped_to_the_clinic(cal, api_as, people):
    RoomFactory(clinic=people.other_clinic, name="Elsewhere room")
    names = {r["name"] for r in api_as(people.admin).get("/api/v1/rooms/").json()["results"]}
    assert names == {"Dosing A", "Dosing B", "Circle room"}
    foreign = RoomFactory(clinic=people.other_clinic, name="Foreign")
    assert api_as(people.admin).get(f"/api/v1/rooms/{foreign.pk}/").status_code == 404


def test_retreat_enrollment_api_and_query_counts(cal, api_as, django_assert_num_queries):
    client = api_as(cal.people.admin)
    created = client.post(
        "/api/v1/retreats/",
        {
            "name": "Spring intensive",
            "starts_on": "2027-03-01",
            "ends_on": "2027-03-05",
            "capacity": 1,
            "price": "4800.00",
            "rooms": [cal.dosing_a.pk],
            "staff": [cal.people.therapist.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    # The answer is the same shape as a read: the counts are there from the start.
    assert (created.json()["enrolled_count"], created.json()["waitlisted_count"]) == (0, 0)
    retreat_id = created.json()["id"]
    clear_for_retreat(cal.people.patient, cal.people.medical)
    clear_for_retreat(cal.people.other_patient, cal.people.medical)
    first = client.post(
        f"/api/v1/retreats/{retreat_id}/enrollments/", {"patient": cal.people.patient.pk}
    )
    second = client.post(
        f"/api/v1/retreats/{retreat_id}/enrollments/", {"patient": cal.people.other_patient.pk}
    )
    assert (first.json()["status"], second.json()["status"]) == ("enrolled", "waitlisted")
    cancel = client.post(f"/api/v1/retreats/{retreat_id}/enrollments/{first.json()['id']}/cancel/")
    assert cancel.status_code == 200
    assert cancel.json()["promoted"]["patient"] == cal.people.other_patient.pk
    # Another clinic's admin cannot see the retreat.
    assert api_as(cal.people.other_admin).get(f"/api/v1/retreats/{retreat_id}/").status_code == 404

    # Retreat list: 1 token auth, 1 staff member, 1 count, 1 retreats with counts,
    # 1 staff ids, 1 room ids, 1 template items — whatever the number of retreats.
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(8):
        assert client.get("/api/v1/retreats/").status_code == 200
    client.post(
        "/api/v1/retreats/",
        {
            "name": "Autumn",
            "starts_on": "2027-10-01",
            "ends_on": "2027-10-03",
            "capacity": 6,
            "price": "3000.00",
        },
        format="json",
    )
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(8):
        assert len(client.get("/api/v1/retreats/").json()["results"]) == 2


def test_a_retreat_patch_ending_before_it_starts_answers_400_and_changes_nothing(cal, api_as):
    client = api_as(cal.people.admin)
    retreat = retreats.retreat_create(
        clinic=cal.people.clinic,
        name="Spring intensive",
        starts_on=dt.date(2027, 3, 1),
        ends_on=dt.date(2027, 3, 5),
        capacity=4,
        price="4800.00",
    )
    answer = client.patch(
        f"/api/v1/retreats/{retreat.pk}/", {"ends_on": "2027-02-27"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"
    assert answer.json()["fields"] == {"ends_on": ["The retreat ends before it starts."]}
    retreat.refresh_from_db()
    assert retreat.ends_on == dt.date(2027, 3, 5)


def test_a_retreat_patch_below_the_enrolled_answers_409_and_raising_it_promotes(cal, api_as):
    client = api_as(cal.people.admin)
    retreat = retreats.retreat_create(
        clinic=cal.people.clinic,
        name="Spring intensive",
        starts_on=dt.date(2027, 3, 1),
        ends_on=dt.date(2027, 3, 5),
        capacity=1,
        price="4800.00",
    )
    for patient in (cal.people.patient, cal.people.other_patient):
        clear_for_retreat(patient, cal.people.medical)
        retreats.enrollment_create(retreat=retreat, patient=patient)
    raised = client.patch(f"/api/v1/retreats/{retreat.pk}/", {"capacity": 2}, format="json")
    assert raised.status_code == 200, raised.json()
    raised = raised.json()
    assert (raised["capacity"], raised["enrolled_count"], raised["waitlisted_count"]) == (2, 2, 0)
    lowered = client.patch(f"/api/v1/retreats/{retreat.pk}/", {"capacity": 1}, format="json")
    assert lowered.status_code == 409
    assert lowered.json()["code"] == "capacity_below_enrolled"
    retreat.refresh_from_db()
    assert retreat.capacity == 2
