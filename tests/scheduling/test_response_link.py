"""The confirm/cancel link of a session reminder: confirm, cancel outside the clinic's
cancellation window (`SchedulingPolicy`), refuse a tampered, moved or expired link."""

import datetime

import time_machine
from django.utils import timezone

from messaging.models import Reminder
from scheduling.models import SchedulingPolicy, SessionBooking, SessionConfirmation
from scheduling.services.reminders import session_response_link
from tests.messaging.test_pages import _no_broker, booked  # noqa: F401 (fixture)

# --- confirm or cancel --------------------------------------------------------------------


def path_of(link: str) -> str:
    return link.split("8000", 1)[1]


def test_the_patient_confirms_from_the_reminder_link(people, client):
    session = booked(people)
    url = path_of(session_response_link(session=session))
    page = client.get(url)
    assert page.status_code == 200 and "I'll be there" in page.content.decode()
    page = client.post(url, {"answer": "confirmed"})
    assert "you confirmed this appointment" in page.content.decode()
    confirmation = SessionConfirmation.objects.get(session=session)
    assert confirmation.status == "confirmed" and confirmation.starts_at == session.starts_at


def test_the_patient_cancels_outside_the_window_and_reminders_stop(people, client):
    session = booked(people, hours=72)
    url = path_of(session_response_link(session=session))
    page = client.post(url, {"answer": "cancelled"})
    assert "This appointment is cancelled." in page.content.decode()
    session.refresh_from_db()
    assert session.status == "cancelled"
    assert set(Reminder.objects.filter(session=session).values_list("status", flat=True)) == {
        "cancelled"
    }
    assert SessionConfirmation.objects.get(session=session).status == "cancelled"
    # Through the booking service: the calendar feed's sequence moves on, and a cancellation
    # outside the window is not late.
    booking = SessionBooking.objects.get(session=session)
    assert booking.sequence == 1 and booking.late_cancellation is False


def test_inside_the_window_the_link_explains_the_policy_instead_of_cancelling(people, client):
    session = booked(people, hours=20)
    url = path_of(session_response_link(session=session))
    page = client.get(url).content.decode()
    assert "Cancel this appointment" not in page
    assert "can be cancelled online up to 24 hours before" in page
    page = client.post(url, {"answer": "cancelled"}).content.decode()
    assert "please call Clearwater Ketamine Clinic" in page
    session.refresh_from_db()
    assert session.status == "scheduled"
    assert not SessionConfirmation.objects.filter(session=session).exists()


def test_a_tampered_moved_or_expired_link_is_refused(people, client):
    session = booked(people)
    url = path_of(session_response_link(session=session))
    assert client.get(url[:-3] + "xx/").status_code == 400
    session.starts_at += datetime.timedelta(hours=1)
    session.ends_at += datetime.timedelta(hours=1)
    session.save()
    page = client.post(url, {"answer": "confirmed"})
    assert page.status_code == 400 and "has been moved" in page.content.decode()
    url = path_of(session_response_link(session=session))
    with time_machine.travel(session.starts_at + datetime.timedelta(minutes=1)):
        assert "has expired" in client.get(url).content.decode()
    assert not SessionConfirmation.objects.exists()


def test_the_session_panel_shows_the_confirmation(people):
    from django.template.loader import render_to_string

    session = booked(people)
    SessionConfirmation.objects.create(
        session=session,
        status="confirmed",
        responded_at=timezone.now(),
        starts_at=session.starts_at,
    )
    html = render_to_string("scheduling/panels/session_reminders.html", {"session": session})
    assert "Confirmed by patient" in html and "Dosing preparation instructions" in html


def test_the_cancellation_window_is_the_clinics_scheduling_policy(people, client):
    SchedulingPolicy.objects.create(clinic=people.clinic, cancellation_window_hours=96)
    session = booked(people, hours=72)
    url = path_of(session_response_link(session=session))
    assert "can be cancelled online up to 96 hours before" in client.get(url).content.decode()
    reminders_before = Reminder.objects.filter(session=session, status="pending").count()
    page = client.post(url, {"answer": "cancelled"}).content.decode()
    assert "please call Clearwater Ketamine Clinic" in page
    session.refresh_from_db()
    assert session.status == "scheduled"
    assert Reminder.objects.filter(session=session, status="pending").count() == reminders_before
