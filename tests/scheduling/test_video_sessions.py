"""Video sessions: booked only with the telehealth consent and never for a dose, a secret
room per session, the join link for the session's participants only, never in a feed."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.db import IntegrityError, transaction
from icalendar import Calendar

from backend.models import AuditEvent
from messaging.models import Reminder
from practice.choices import ConsentKind
from practice.errors import ConsentMissing, SessionRefused
from practice.models import Session
from practice.video import JitsiProvider, join_open, join_url
from scheduling.services.booking import session_book, session_reschedule
from scheduling.services.feeds import calendar_feed_issue
from tests.factories import consents_signed
from tests.scheduling.conftest import local

pytestmark = pytest.mark.django_db

TELEHEALTH = [ConsentKind.TELEHEALTH]


def book_video(cal, *, start=None, kind="integration", patient=None, **extra):
    start = start or local(2027, 2, 3, 10)
    return session_book(
        patient=patient or cal.people.patient,
        clinician=cal.people.therapist,
        kind=kind,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=50),
        modality="video",
        **extra,
    )


@pytest.fixture
def consented(cal):
    consents_signed(cal.people.patient, TELEHEALTH)
    return cal


# ---------------------------------------------------------------- services


def test_a_video_session_gets_an_unguessable_room_name_and_no_clinic_room(consented):
    first = book_video(consented, room=consented.circle)
    second = book_video(consented, start=local(2027, 2, 4, 10))
    assert first.modality == second.modality == "video"
    assert first.room is None
    assert len(first.video_room) >= 32
    assert first.video_room != second.video_room


def test_an_in_person_session_has_no_video_room(cal):
    session = session_book(
        patient=cal.people.patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 3, 10),
        ends_at=local(2027, 2, 3, 11),
        room=cal.circle,
    )
    assert session.modality == "in_person"
    assert session.video_room is None


def test_a_video_session_without_the_telehealth_consent_is_refused_and_nothing_is_booked(cal):
    with pytest.raises(ConsentMissing) as refused:
        book_video(cal)
    assert "Telehealth consent" in refused.value.message
    assert refused.value.extra["missing"] == ["telehealth"]
    assert refused.value.extra["reasons"] == ["consent"]
    assert Session.objects.count() == 0


def test_dosing_by_video_is_refused_even_with_every_consent(consented):
    with pytest.raises(SessionRefused, match="never by video"):
        book_video(consented, kind="dosing", plan=consented.plan)
    assert Session.objects.count() == 0


def test_the_database_refuses_a_dosing_session_by_video(consented):
    session = book_video(consented)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(kind="dosing")


def test_the_database_refuses_a_video_session_without_its_room_name(consented):
    session = book_video(consented)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(video_room=None)


def test_moving_a_session_to_video_checks_the_consent_and_gives_it_a_room_name(cal):
    session = session_book(
        patient=cal.people.patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 3, 10),
        ends_at=local(2027, 2, 3, 11),
        room=cal.circle,
    )
    with pytest.raises(ConsentMissing):
        session_reschedule(
            session=session,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            modality="video",
        )
    session.refresh_from_db()
    assert (session.modality, session.room, session.video_room) == ("in_person", cal.circle, None)

    consents_signed(cal.people.patient, TELEHEALTH)
    moved = session_reschedule(
        session=session, starts_at=session.starts_at, ends_at=session.ends_at, modality="video"
    )
    assert moved.modality == "video" and moved.room is None and moved.video_room

    back = session_reschedule(
        session=moved,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        modality="in_person",
        room=cal.circle,
    )
    assert back.modality == "in_person" and back.room == cal.circle and back.video_room is None


def test_a_video_session_still_may_not_double_book_the_patient(consented):
    book_video(consented)
    from scheduling.errors import BookingConflict

    with pytest.raises(BookingConflict):
        book_video(consented, start=local(2027, 2, 3, 10, 30))


# ---------------------------------------------------------------- the provider


def test_the_jitsi_link_is_the_configured_server_and_the_sessions_room(consented, settings):
    settings.JITSI_BASE_URL = "https://video.example.org/"
    session = book_video(consented)
    staff_link = JitsiProvider().join_url(session, consented.people.therapist)
    assert staff_link.startswith(f"https://video.example.org/{session.video_room}#")
    assert "Bob" in staff_link
    # A patient's link carries no name at all.
    patient_link = join_url(session, consented.people.patient)
    assert patient_link == f"https://video.example.org/{session.video_room}"


def test_the_join_window_opens_fifteen_minutes_before_and_closes_at_the_end(consented):
    session = book_video(consented)
    assert not join_open(session, at=session.starts_at - dt.timedelta(minutes=16))
    assert join_open(session, at=session.starts_at - dt.timedelta(minutes=15))
    assert join_open(session, at=session.ends_at - dt.timedelta(seconds=1))
    assert not join_open(session, at=session.ends_at)


# ---------------------------------------------------------------- the join route


@pytest.mark.parametrize("who", ["patient", "therapist", "medical", "admin"])
def test_participants_are_redirected_to_the_video_room(consented, web_as, who, settings):
    settings.JITSI_BASE_URL = "https://meet.clinic.example"
    session = book_video(consented)
    response = web_as(getattr(consented.people, who)).get(f"/sessions/{session.pk}/join/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"https://meet.clinic.example/{session.video_room}")
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(
        actor=getattr(consented.people, who).user, patients__contains=f" {session.patient_id} "
    ).exists()


@pytest.mark.parametrize("who", ["other_patient", "outsider", "other_admin"])
def test_someone_elses_video_session_answers_404_and_changes_nothing(consented, web_as, who):
    session = book_video(consented)
    before = Session.objects.values().get(pk=session.pk)
    response = web_as(getattr(consented.people, who)).get(f"/sessions/{session.pk}/join/")
    assert response.status_code == 404
    assert session.video_room not in response.content.decode()
    assert Session.objects.values().get(pk=session.pk) == before


def test_an_in_person_or_cancelled_session_has_nothing_to_join(consented, web_as):
    from scheduling.services.booking import session_cancel

    in_person = session_book(
        patient=consented.people.patient,
        clinician=consented.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 5, 10),
        ends_at=local(2027, 2, 5, 11),
        room=consented.circle,
    )
    cancelled = session_cancel(session=book_video(consented))
    client = web_as(consented.people.patient)
    assert client.get(f"/sessions/{in_person.pk}/join/").status_code == 404
    assert client.get(f"/sessions/{cancelled.pk}/join/").status_code == 404


# ---------------------------------------------------------------- the API


def test_booking_by_video_through_the_api_and_reading_the_join_route(consented, api_as):
    response = api_as(consented.people.admin).post(
        "/api/v1/sessions/",
        {
            "patient": consented.people.patient.pk,
            "clinician": consented.people.therapist.pk,
            "kind": "integration",
            "modality": "video",
            "starts_at": local(2027, 2, 3, 10).isoformat(),
            "ends_at": local(2027, 2, 3, 11).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    session = Session.objects.get()
    assert body["modality"] == "video"
    assert urlsplit(body["video_join_url"]).path == f"/sessions/{session.pk}/join/"
    # The provider's room name never leaves through the API.
    assert session.video_room not in response.content.decode()

    mine = api_as(consented.people.patient).get(f"/api/v1/sessions/{session.pk}/").json()
    assert urlsplit(mine["video_join_url"]).path == f"/sessions/{session.pk}/join/"
    listed = api_as(consented.people.therapist).get("/api/v1/sessions/").json()["results"]
    assert [s["video_join_url"] is not None for s in listed] == [True]


def test_the_api_refuses_dosing_by_video_and_a_missing_consent_in_the_one_error_shape(cal, api_as):
    client = api_as(cal.people.admin)
    payload = {
        "patient": cal.people.patient.pk,
        "clinician": cal.people.therapist.pk,
        "kind": "integration",
        "modality": "video",
        "starts_at": local(2027, 2, 3, 10).isoformat(),
        "ends_at": local(2027, 2, 3, 11).isoformat(),
    }
    missing = client.post("/api/v1/sessions/", payload, format="json")
    assert missing.status_code == 409
    assert missing.json()["code"] == "consent_missing"
    assert missing.json()["missing"] == ["telehealth"]

    consents_signed(cal.people.patient, TELEHEALTH)
    dosing = client.post(
        "/api/v1/sessions/",
        {**payload, "kind": "dosing", "clinician": cal.people.medical.pk, "plan": cal.plan.pk},
        format="json",
    )
    assert dosing.status_code in (400, 409)
    assert "never by video" in dosing.json()["detail"]
    assert Session.objects.count() == 0


def test_an_in_person_session_has_no_join_url_and_another_clinic_sees_none(consented, api_as):
    video = book_video(consented)
    response = api_as(consented.people.other_admin).get(f"/api/v1/sessions/{video.pk}/")
    assert response.status_code == 404
    assert video.video_room not in response.content.decode()


def test_the_api_moves_a_session_to_video(consented, api_as):
    session = session_book(
        patient=consented.people.patient,
        clinician=consented.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 3, 10),
        ends_at=local(2027, 2, 3, 11),
        room=consented.circle,
    )
    response = api_as(consented.people.admin).post(
        f"/api/v1/sessions/{session.pk}/reschedule/",
        {
            "starts_at": local(2027, 2, 4, 10).isoformat(),
            "ends_at": local(2027, 2, 4, 11).isoformat(),
            "modality": "video",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["modality"] == "video" and response.json()["room"] is None


# ---------------------------------------------------------------- feeds, reminders, pages


def test_feeds_say_video_session_and_never_carry_the_link(consented, client):
    session = book_video(consented)
    for feed in (
        calendar_feed_issue(patient=consented.people.patient),
        calendar_feed_issue(staff=consented.people.therapist),
    ):
        response = client.get(f"/calendar/feed/{feed.token}.ics")
        raw = response.content.decode()
        [event] = Calendar.from_ical(response.content).walk("VEVENT")
        assert str(event["SUMMARY"]) == "Video session"
        assert session.video_room not in raw
        assert "meet.clinic.example" not in raw
        assert f"/sessions/{session.pk}/join/" not in raw


def test_a_video_sessions_reminders_say_join_by_video_with_the_join_route(consented):
    session = book_video(consented)
    reminders = list(Reminder.objects.filter(session=session))
    assert reminders
    for reminder in reminders:
        assert f"Join by video: http://127.0.0.1:8000/sessions/{session.pk}/join/" in (
            reminder.body_text
        ), reminder.kind
        assert session.video_room not in reminder.body_text + reminder.body_html
        assert "1450 Pearl Street" not in reminder.body_text


def test_the_portal_shows_join_video_only_from_fifteen_minutes_before(consented, web_as, frozen):
    session = book_video(consented, start=local(2027, 2, 1, 10))
    join = f'href="/sessions/{session.pk}/join/"'

    def portal_at(moment):
        frozen.move_to(moment)
        response = web_as(consented.people.patient).get("/portal/")  # signed in afresh
        assert response.status_code == 200
        return response.content.decode()

    early = portal_at(local(2027, 2, 1, 9, 44))
    assert join not in early and "by video" in early
    opened = portal_at(local(2027, 2, 1, 9, 45))
    assert join in opened and session.video_room not in opened
    assert join in portal_at(local(2027, 2, 1, 10, 49))
    assert join not in portal_at(local(2027, 2, 1, 10, 50))


def test_staff_pages_link_the_join_route_for_a_video_session(consented, web_as):
    session = book_video(consented)
    for who, url in (
        ("therapist", f"/sessions/{session.pk}/"),
        ("admin", f"/calendar/sessions/{session.pk}/"),
    ):
        page = web_as(getattr(consented.people, who)).get(url)
        assert page.status_code == 200, who
        text = page.content.decode()
        assert f'href="/sessions/{session.pk}/join/"' in text, who
        assert session.video_room not in text


def test_booking_by_video_from_the_staff_booking_page(consented, web_as):
    response = web_as(consented.people.admin).post(
        "/calendar/book/",
        {
            "patient": consented.people.patient.pk,
            "kind": "integration",
            "modality": "video",
            "clinician": consented.people.therapist.pk,
            "date": "2027-02-03",
            "start_time": "10:00",
            "duration": 60,
            "action": "book",
        },
    )
    assert response.status_code in (200, 302)
    session = Session.objects.get()
    assert session.modality == "video" and session.video_room
