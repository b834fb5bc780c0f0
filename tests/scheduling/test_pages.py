"""The scheduling pages: calendar, booking form with its conflict check, free slots,
moving and cancelling, retreat pages and the printed roster, my day and the portal."""

import datetime
import io

import pytest
from pypdf import PdfReader

from practice.models import Session
from scheduling.services import retreats
from scheduling.services.booking import session_book
from tests.factories import PatientFactory
from tests.scheduling.conftest import clear_for_retreat, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(cal):
    return session_book(
        patient=cal.people.patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 3, 10),
        ends_at=local(2027, 2, 3, 11),
        room=cal.circle,
    )


def form(cal, **changes):
    return {
        "patient": cal.people.other_patient.pk,
        "kind": "integration",
        "clinician": cal.people.therapist.pk,
        "room": cal.circle.pk,
        "date": "2027-02-03",
        "start_time": "10:30",
        "duration": 60,
        **changes,
    }


@pytest.mark.parametrize("view", ["day", "week"])
@pytest.mark.parametrize("by", ["room", "clinician"])
def test_the_calendar_shows_sessions_by_room_and_by_clinician(cal, booked, web_as, view, by):
    page = web_as(cal.people.admin).get(f"/calendar/?date=2027-02-03&view={view}&by={by}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Erin Patient" in html
    assert ("Circle room" if by == "room" else "Bob Therapist, LCSW") in html


def test_the_booking_form_shows_conflicts_before_saving_and_saves_nothing(cal, booked, web_as):
    client = web_as(cal.people.admin)
    page = client.post("/calendar/book/", {**form(cal), "action": "check"})
    html = page.content.decode()
    assert "This booking cannot be made" in html
    assert (
        "Room Circle room is booked: an integration session Wed Feb 3, 10:00 AM–11:00 AM "
        "with Bob Therapist, LCSW." in html
    )
    # The clashing session is linked for the admin, who may move or cancel it.
    assert f'href="/calendar/sessions/{booked.pk}/"' in html
    assert Session.objects.count() == 1
    # A free time checks clean, then books.
    fine = form(cal, start_time="11:00")
    assert (
        "No conflicts"
        in client.post("/calendar/book/", {**fine, "action": "check"}).content.decode()
    )
    assert Session.objects.count() == 1
    response = client.post("/calendar/book/", {**fine, "action": "book"})
    assert response.status_code == 302
    assert Session.objects.filter(patient=cal.people.other_patient).count() == 1


def test_a_refused_booking_says_why_once_above_the_form_and_saves_nothing(cal, booked, web_as):
    html = (
        web_as(cal.people.admin)
        .post("/calendar/book/", {**form(cal), "action": "book"})
        .content.decode()
    )
    assert "This booking cannot be made" in html
    # In the conflicts box only, not repeated as a flash message above it.
    assert html.count("Room Circle room is booked: an integration session Wed Feb 3, 10:00 AM") == 1
    assert 'class="messages"' not in html
    assert Session.objects.count() == 1


def test_a_dose_booked_from_the_calendar_uses_the_patients_running_plan(cal, web_as):
    client = web_as(cal.people.admin)
    dose = form(
        cal,
        patient=cal.people.other_patient.pk,
        kind="dosing",
        clinician=cal.people.medical.pk,
        room=cal.dosing_a.pk,
        start_time="13:00",
        duration=120,
        action="book",
    )
    # No running plan yet: the clinical rule says so and nothing is booked.
    html = client.post("/calendar/book/", dose).content.decode()
    assert "A dosing session needs the patient&#x27;s active treatment plan" in html
    assert not Session.objects.exists()
    plan = clear_for_retreat(cal.people.other_patient, cal.people.medical)
    assert client.post("/calendar/book/", dose).status_code == 302
    assert Session.objects.get(kind="dosing").plan == plan


def test_a_series_with_a_conflict_lists_it_and_books_nothing(cal, booked, web_as):
    client = web_as(cal.people.admin)
    series = form(
        cal,
        patient=cal.people.patient.pk,
        date="2027-01-27",
        start_time="10:00",
        repeat_every_days=7,
        occurrences=3,
        action="book",
    )
    html = client.post("/calendar/book/", series).content.decode()
    assert "1 of 3 occurrences cannot be booked" in html
    assert Session.objects.count() == 1


def test_only_admins_book_and_other_roles_are_refused(cal, web_as):
    assert web_as(cal.people.therapist).get("/calendar/book/").status_code == 403
    assert web_as(cal.people.patient).get("/calendar/").status_code == 403


def test_free_slot_search_lists_slots_with_a_booking_link(cal, web_as):
    page = web_as(cal.people.admin).get(
        "/calendar/slots/",
        {
            "start": "2027-02-02",
            "end": "2027-02-02",
            "duration": 120,
            "count": 3,
            "room": "dosing",
            "clinician": cal.people.therapist.pk,
        },
    )
    html = page.content.decode()
    assert "3 slots" in html and "Tue Feb 2 08:00–10:00" in html
    assert "/calendar/book/?date=2027-02-02&start_time=08:00" in html


def test_free_slot_search_for_a_patient_skips_their_busy_times_and_books_them(cal, web_as):
    # Erin is busy 08:00–09:00 with another clinician; Bob is free all day.
    session_book(
        patient=cal.people.patient,
        clinician=cal.people.outsider,
        kind="integration",
        starts_at=local(2027, 2, 2, 8),
        ends_at=local(2027, 2, 2, 9),
    )
    query = {
        "start": "2027-02-02",
        "end": "2027-02-02",
        "duration": 60,
        "count": 2,
        "room": "none",
        "clinician": cal.people.therapist.pk,
    }
    client = web_as(cal.people.admin)
    anyone = client.get("/calendar/slots/", query).content.decode()
    assert "Tue Feb 2 08:00–09:00" in anyone
    html = client.get("/calendar/slots/", {**query, "patient": cal.people.patient.pk}).content
    html = html.decode()
    assert "Tue Feb 2 08:00–09:00" not in html and "Tue Feb 2 09:00–10:00" in html
    assert f'&patient={cal.people.patient.pk}"' in html
    # Another clinic's patient is not a choice.
    foreign = {**query, "patient": cal.people.foreign_patient.pk}
    assert (
        f"No patient you can see has the number {cal.people.foreign_patient.pk}"
        in client.get("/calendar/slots/", foreign).content.decode()
    )


def test_moving_and_cancelling_from_the_session_page(cal, booked, web_as):
    client = web_as(cal.people.admin)
    assert client.get(f"/calendar/sessions/{booked.pk}/").status_code == 200
    moved = client.post(
        f"/calendar/sessions/{booked.pk}/",
        {
            "action": "reschedule",
            "date": "2027-02-04",
            "start_time": "09:00",
            "duration": 60,
            "room": cal.circle.pk,
            "clinician": cal.people.therapist.pk,
        },
    )
    assert moved.status_code == 302
    booked.refresh_from_db()
    assert booked.starts_at == local(2027, 2, 4, 9)
    client.post(f"/calendar/sessions/{booked.pk}/", {"action": "cancel", "reason": "Ill"})
    booked.refresh_from_db()
    assert booked.status == "cancelled"


def test_a_move_onto_a_taken_room_names_the_clash_in_words_and_links_it(cal, booked, web_as):
    other = session_book(
        patient=cal.people.other_patient,
        clinician=cal.people.outsider,
        kind="integration",
        starts_at=local(2027, 2, 3, 12),
        ends_at=local(2027, 2, 3, 13),
        room=cal.circle,
    )
    page = web_as(cal.people.admin).post(
        f"/calendar/sessions/{other.pk}/",
        {
            "action": "reschedule",
            "date": "2027-02-03",
            "start_time": "10:30",
            "duration": 60,
            "room": cal.circle.pk,
            "clinician": cal.people.outsider.pk,
        },
    )
    html = page.content.decode()
    assert (
        "Room Circle room is booked: an integration session Wed Feb 3, 10:00 AM–11:00 AM "
        "with Bob Therapist, LCSW." in html
    )
    assert f'<a href="/calendar/sessions/{booked.pk}/">Integration Wed Feb 3' in html
    assert "session #" not in html
    other.refresh_from_db()
    assert other.starts_at == local(2027, 2, 3, 12)  # nothing moved


# The admin's session page: another clinic's admin finds no such session (404); a
# therapist has no such page at all (403).
@pytest.mark.parametrize(("who", "status"), [("other_admin", 404), ("therapist", 403)])
def test_the_session_page_is_out_of_reach_for_others(cal, booked, web_as, who, status):
    page = web_as(getattr(cal.people, who)).get(f"/calendar/sessions/{booked.pk}/")
    assert page.status_code == status


def test_my_day_panel_lists_the_clinicians_sessions_today(cal, web_as, frozen):
    session_book(
        patient=cal.people.patient,
        clinician=cal.people.therapist,
        kind="preparation",
        starts_at=local(2027, 2, 1, 11),
        ends_at=local(2027, 2, 1, 12),
        room=cal.circle,
    )
    html = web_as(cal.people.therapist).get("/today/").content.decode()
    assert 'data-testid="my-day"' in html and "11:00–12:00" in html and "Preparation" in html


def test_retreat_pages_roster_waitlist_generate_and_pdf(cal, web_as):
    for room in (cal.dosing_a, cal.dosing_b):
        room.capacity = 2
        room.save()
    retreat = retreats.retreat_create(
        clinic=cal.people.clinic,
        name="Mini intensive",
        starts_on=local(2027, 3, 1, 0).date(),
        ends_on=local(2027, 3, 3, 0).date(),
        capacity=3,
        price="1200.00",
        staff=[cal.people.therapist, cal.people.outsider, cal.people.medical],
        rooms=[cal.dosing_a, cal.dosing_b, cal.circle],
    )
    client = web_as(cal.people.admin)
    client.post(f"/retreats/{retreat.pk}/", {"action": "default_template"})
    patients = [PatientFactory(clinic=cal.people.clinic) for _ in range(4)]
    for p in patients:
        clear_for_retreat(p, cal.people.medical)
        client.post(f"/retreats/{retreat.pk}/", {"action": "enroll", "patient": p.pk})
    client.post(f"/retreats/{retreat.pk}/", {"action": "generate"})
    html = client.get(f"/retreats/{retreat.pk}/").content.decode()
    assert "3 of 3 taken · 1 waitlisted" in html
    assert "Timetable up to date: 12 sessions booked" in html or "Day 2" in html
    pdf = client.get(f"/retreats/{retreat.pk}/roster.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Mini intensive" in text and patients[0].full_name in text
    assert "Waitlist" in text and patients[3].full_name in text
    # Phone numbers as people dial them, not E.164; money with its thousands separator.
    assert "(303) 555-0177" in text and "+13035550177" not in text
    assert "$1,200.00" in html
    assert web_as(cal.people.other_admin).get(f"/retreats/{retreat.pk}/").status_code == 404


@pytest.mark.parametrize("view", ["day", "week"])
def test_the_calendar_shows_the_patients_answer_to_their_reminder(cal, booked, web_as, view):
    from scheduling.models import SessionConfirmation

    url = f"/calendar/?date=2027-02-03&view={view}&by=room"
    client = web_as(cal.people.admin)
    assert 'data-testid="confirmation"' not in client.get(url).content.decode()

    SessionConfirmation.objects.create(
        session=booked,
        status="confirmed",
        responded_at=booked.starts_at,
        starts_at=booked.starts_at,
    )
    assert "Confirmed by patient" in client.get(url).content.decode()

    # An answer given for an earlier time of a moved session is not shown as current.
    SessionConfirmation.objects.filter(session=booked).update(
        starts_at=booked.starts_at - datetime.timedelta(days=1)
    )
    assert 'data-testid="confirmation"' not in client.get(url).content.decode()
