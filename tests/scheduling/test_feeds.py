"""Private calendar feeds: valid iCalendar, revisions, cancellations, revocable, discreet."""

import pytest
from icalendar import Calendar

from messaging.models import PatientMessaging
from scheduling.services.booking import session_book, session_cancel, session_reschedule
from scheduling.services.feeds import calendar_feed_issue, calendar_feed_revoke
from tests.scheduling.conftest import local

pytestmark = pytest.mark.django_db


def events(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return {str(e["UID"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}


@pytest.fixture
def booked(cal):
    first = session_book(
        patient=cal.people.patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 3, 10),
        ends_at=local(2027, 2, 3, 11),
        room=cal.circle,
    )
    second = session_book(
        patient=cal.people.patient,
        clinician=cal.people.therapist,
        kind="preparation",
        starts_at=local(2027, 2, 4, 10),
        ends_at=local(2027, 2, 4, 11),
        room=cal.circle,
    )
    return first, second


def _ics_text(event) -> str:
    return " ".join(str(event.get(name, "")) for name in ("SUMMARY", "LOCATION", "DESCRIPTION"))


def test_a_patient_feed_parses_back_and_says_only_appointment_when_and_where(cal, booked, client):
    # By default a patient has not agreed that messages name the kind of session.
    feed = calendar_feed_issue(patient=cal.people.patient)
    found = events(client.get(f"/calendar/feed/{feed.token}.ics"))
    first = found[f"session-{booked[0].pk}@kap-practice"]
    assert str(first["SUMMARY"]) == "Appointment"
    assert first.decoded("DTSTART") == local(2027, 2, 3, 10)
    assert int(first["SEQUENCE"]) == 0 and str(first["STATUS"]) == "CONFIRMED"
    for event in found.values():
        text = _ics_text(event)
        for private in ("Integration", "Preparation", "session", "Ketamine", "Clearwater"):
            assert private not in text
    raw = client.get(f"/calendar/feed/{feed.token}.ics").content.decode()
    for private in ("Bob", "Therapist", "Circle room", "F41.1", "Erin", "Ketamine"):
        assert private not in raw


def test_a_patient_who_agreed_reads_the_kind_and_the_clinic(cal, booked, client):
    PatientMessaging.objects.create(patient=cal.people.patient, share_session_type=True)
    feed = calendar_feed_issue(patient=cal.people.patient)
    found = events(client.get(f"/calendar/feed/{feed.token}.ics"))
    first = found[f"session-{booked[0].pk}@kap-practice"]
    assert str(first["SUMMARY"]) == "Integration session"
    assert str(first["LOCATION"]).startswith("Clearwater Ketamine Clinic")


def test_updates_raise_the_sequence_and_cancellations_say_cancelled(cal, booked, client):
    first, second = booked
    session_reschedule(
        session=first, starts_at=local(2027, 2, 3, 12), ends_at=local(2027, 2, 3, 13)
    )
    session_cancel(session=second, reason="Unwell")
    feed = calendar_feed_issue(patient=cal.people.patient)
    found = events(client.get(f"/calendar/feed/{feed.token}.ics"))
    moved = found[f"session-{first.pk}@kap-practice"]
    assert int(moved["SEQUENCE"]) == 1
    assert moved.decoded("DTSTART") == local(2027, 2, 3, 12)
    cancelled = found[f"session-{second.pk}@kap-practice"]
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 1


def test_a_clinician_feed_carries_no_patient_identifier(cal, booked, client):
    feed = calendar_feed_issue(staff=cal.people.therapist)
    found = events(client.get(f"/calendar/feed/{feed.token}.ics"))
    event = found[f"session-{booked[0].pk}@kap-practice"]
    assert str(event["SUMMARY"]) == "Clinic session"
    assert str(event["LOCATION"]) == "Circle room"
    assert str(event["URL"]).endswith(f"/sessions/{booked[0].pk}/")
    patient = cal.people.patient
    for e in found.values():
        text = _ics_text(e)
        for private in (patient.legal_first_name, patient.legal_last_name, "Integration"):
            assert private not in text
        assert f"{patient.legal_first_name[0]}. " not in text and " P." not in text
    raw = client.get(f"/calendar/feed/{feed.token}.ics").content.decode()
    assert "Erin" not in raw and "Patient" not in raw


def test_a_revoked_or_replaced_link_answers_404(cal, booked, client):
    old = calendar_feed_issue(patient=cal.people.patient)
    new = calendar_feed_issue(patient=cal.people.patient)
    assert client.get(f"/calendar/feed/{old.token}.ics").status_code == 404
    assert client.get(f"/calendar/feed/{new.token}.ics").status_code == 200
    calendar_feed_revoke(feed=new)
    assert client.get(f"/calendar/feed/{new.token}.ics").status_code == 404
    assert client.get("/calendar/feed/not-a-token.ics").status_code == 404


def test_the_portal_issues_the_patients_own_link(cal, booked, web_as):
    client = web_as(cal.people.patient)
    response = client.post("/calendar/feed/", {"next": "/portal/"})
    assert response.status_code == 302
    page = client.get("/portal/").content.decode()
    assert "/calendar/feed/" in page and "Integration session" in page
