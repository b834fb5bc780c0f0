"""Self-booking through the API and the pages: the patient books or requests with their care
team, refusals have the one error shape and change nothing, admins decide, and another
patient's or clinic's request answers 404.

Clock: Monday 1 February 2027, 08:00 in Denver (tests/scheduling/conftest.py).
"""

import datetime as dt

import pytest

from messaging.choices import MessageKind
from messaging.models import Reminder
from practice.models import Session
from scheduling.models import BookingRequest, SchedulingPolicy
from scheduling.services.booking import session_book
from scheduling.services.selfbooking import booking_request_create
from tests.scheduling.conftest import local

pytestmark = pytest.mark.django_db

TUESDAY_10 = local(2027, 2, 2, 10)


def body(cal, **changes):
    return {
        "clinician": cal.people.therapist.pk,
        "kind": "integration",
        "starts_at": TUESDAY_10.isoformat(),
        "ends_at": (TUESDAY_10 + dt.timedelta(minutes=50)).isoformat(),
        **changes,
    }


def waiting(cal, patient=None):
    return booking_request_create(
        patient=patient or cal.people.patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=TUESDAY_10,
        ends_at=TUESDAY_10 + dt.timedelta(minutes=50),
    )


def test_the_patient_reads_free_slots_of_her_care_team_only(cal, api_as):
    response = api_as(cal.people.patient).get("/api/v1/self-booking/slots/?kind=integration")
    assert response.status_code == 200
    slots = response.json()
    assert slots
    assert {s["clinician"] for s in slots} <= {cal.people.therapist.pk, cal.people.medical.pk}


def test_dosing_slots_are_refused_with_the_one_error_shape(cal, api_as):
    response = api_as(cal.people.patient).get("/api/v1/self-booking/slots/?kind=dosing")
    assert response.status_code == 409
    assert response.json()["code"] == "self_booking_refused"


def test_the_patient_requests_a_slot_and_it_waits_for_the_clinic(cal, api_as):
    response = api_as(cal.people.patient).post(
        "/api/v1/booking-requests/", body(cal), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "requested"
    assert response.json()["patient"] == cal.people.patient.pk
    assert not Session.objects.exists()


def test_with_auto_confirm_the_patient_books_at_once(cal, api_as):
    SchedulingPolicy.objects.create(clinic=cal.people.clinic, self_booking_auto_confirm=True)
    response = api_as(cal.people.patient).post(
        "/api/v1/booking-requests/", body(cal), format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"
    assert Session.objects.get().pk == response.json()["session"]


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"kind": "dosing"}, 409, "self_booking_refused"),
        ({"clinician": "outsider"}, 409, "self_booking_refused"),
        ({"clinician": "other_admin"}, 404, None),
        ({"starts_at": local(2027, 2, 1, 12)}, 409, "self_booking_refused"),
        ({"starts_at": local(2027, 2, 2, 19)}, 409, "outside_working_hours"),
        ({"kind": "séance"}, 400, None),
    ],
)
def test_a_request_outside_the_rules_is_refused_and_changes_nothing(
    cal, api_as, changes, status, code
):
    if "clinician" in changes:
        changes["clinician"] = getattr(cal.people, changes["clinician"]).pk
    if "starts_at" in changes:
        start = changes["starts_at"]
        changes.update(
            starts_at=start.isoformat(), ends_at=(start + dt.timedelta(minutes=50)).isoformat()
        )
    response = api_as(cal.people.patient).post(
        "/api/v1/booking-requests/", body(cal, **changes), format="json"
    )
    assert response.status_code == status, response.json()
    assert "detail" in response.json() or status == 400
    if code:
        assert response.json()["code"] == code
    assert not BookingRequest.objects.exists()
    assert not Session.objects.exists()


def test_staff_cannot_book_for_themselves_through_self_booking(cal, api_as):
    response = api_as(cal.people.admin).post("/api/v1/booking-requests/", body(cal), format="json")
    assert response.status_code == 403


def test_the_patient_lists_only_her_requests_and_the_admin_the_clinics(
    cal, api_as, django_assert_num_queries
):
    mine = waiting(cal)
    cal.people.outsider  # the other patient's care team
    from tests.factories import CareTeamFactory

    CareTeamFactory(patient=cal.people.other_patient, staff=cal.people.therapist)
    other = booking_request_create(
        patient=cal.people.other_patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=TUESDAY_10 + dt.timedelta(hours=1),
        ends_at=TUESDAY_10 + dt.timedelta(hours=1, minutes=50),
    )
    patient = api_as(cal.people.patient)
    assert [r["id"] for r in patient.get("/api/v1/booking-requests/").json()["results"]] == [
        mine.pk
    ]
    assert patient.get(f"/api/v1/booking-requests/{other.pk}/").status_code == 404
    admin = api_as(cal.people.admin)
    # 1 token, 1 staff member, 1 count, 1 requests with clinicians, 1 audit row.
    with django_assert_num_queries(5):
        listed = admin.get("/api/v1/booking-requests/?status=requested").json()["results"]
    assert [r["id"] for r in listed] == [mine.pk, other.pk]
    assert api_as(cal.people.other_admin).get("/api/v1/booking-requests/").json()["count"] == 0


def test_the_admin_approves_and_the_patient_is_told(cal, api_as):
    made = waiting(cal)
    response = api_as(cal.people.admin).post(f"/api/v1/booking-requests/{made.pk}/approve/")
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert Session.objects.filter(pk=response.json()["session"]).exists()
    assert Reminder.objects.filter(kind=MessageKind.BOOKING_REQUEST_DECIDED).exists()


def test_approving_a_slot_taken_meanwhile_answers_409_and_the_admin_declines(cal, api_as):
    made = waiting(cal)
    session_book(
        patient=cal.people.other_patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=TUESDAY_10,
        ends_at=TUESDAY_10 + dt.timedelta(minutes=50),
    )
    admin = api_as(cal.people.admin)
    refused = admin.post(f"/api/v1/booking-requests/{made.pk}/approve/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "slot_taken"
    assert admin.post(f"/api/v1/booking-requests/{made.pk}/decline/", {}).status_code == 400
    declined = admin.post(
        f"/api/v1/booking-requests/{made.pk}/decline/", {"message": "Try Thursday."}
    )
    assert declined.status_code == 200
    assert declined.json()["message"] == "Try Thursday."


def test_the_patient_withdraws_but_cannot_approve(cal, api_as):
    made = waiting(cal)
    patient = api_as(cal.people.patient)
    assert patient.post(f"/api/v1/booking-requests/{made.pk}/approve/").status_code == 403
    response = patient.post(f"/api/v1/booking-requests/{made.pk}/withdraw/")
    assert response.json()["status"] == "withdrawn"
    assert api_as(cal.people.other_admin).post(
        f"/api/v1/booking-requests/{made.pk}/approve/"
    ).status_code in (403, 404)


# --- pages -----------------------------------------------------------------------------


def test_the_portal_page_shows_free_times_by_day_and_books_one(cal, web_as):
    client = web_as(cal.people.patient)
    page = client.get("/portal/book/?kind=integration")
    assert page.status_code == 200
    assert b"Tuesday, February 2" in page.content
    assert b"Dosing" not in page.content
    posted = client.post(
        "/portal/book/",
        {
            "kind": "integration",
            "clinician": cal.people.therapist.pk,
            "starts_at": TUESDAY_10.isoformat(),
        },
    )
    assert posted.status_code == 302
    made = BookingRequest.objects.get()
    assert made.status == "requested"
    assert b"Waiting for the clinic" in client.get("/portal/book/").content


def test_the_portal_page_shows_a_refusal_and_changes_nothing(cal, web_as):
    client = web_as(cal.people.patient)
    posted = client.post(
        "/portal/book/",
        {"kind": "dosing", "clinician": cal.people.therapist.pk, "starts_at": TUESDAY_10},
        follow=True,
    )
    assert b"booked by the clinic" in posted.content
    assert not BookingRequest.objects.exists()


def test_the_admin_queue_counts_on_today_and_decides(cal, web_as):
    made = waiting(cal)
    client = web_as(cal.people.admin)
    today = client.get("/today/")
    assert b'data-testid="booking-requests-count">1 waiting' in today.content
    queue = client.get("/calendar/requests/")
    assert cal.people.patient.display_name.encode() in queue.content
    client.post(f"/calendar/requests/{made.pk}/decline/", {"message": "Thursday instead?"})
    made.refresh_from_db()
    assert made.status == "declined"


def test_the_admin_changes_the_self_booking_settings(cal, web_as):
    client = web_as(cal.people.admin)
    assert client.get("/calendar/self-booking/").status_code == 200
    response = client.post(
        "/calendar/self-booking/",
        {
            "self_booking_integration": "on",
            "self_booking_minutes": 60,
            "self_booking_min_notice_hours": 48,
            "self_booking_max_days_ahead": 30,
            "self_booking_auto_confirm": "on",
        },
    )
    assert response.status_code == 302
    policy = SchedulingPolicy.objects.get(clinic=cal.people.clinic)
    assert policy.self_booking_kinds == ["integration"]
    assert (policy.self_booking_minutes, policy.self_booking_auto_confirm) == (60, True)
