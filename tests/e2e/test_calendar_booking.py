"""The clinic admin runs the calendar: finds a free slot for a patient with a clinician and a
room, books it, sees it on the calendar, moves it, is refused a second booking that would
double-book the clinician, and cancels the session."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from practice.models import Session
from tests.e2e.pickers import choose_patient
from tests.factories import RoomFactory, working_hours_every_day

pytestmark = pytest.mark.django_db(transaction=True)

DENVER = ZoneInfo("America/Denver")  # the factories' clinic time zone


def _a_weekday_ahead() -> datetime.date:
    """Two or more days from now (the live server runs on the real clock), Monday to Friday,
    so every time booked below is in the future and outside the late-cancellation window."""
    day = timezone.now().astimezone(DENVER).date() + datetime.timedelta(days=2)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


@pytest.fixture
def clinic(people):
    working_hours_every_day(people.therapist)  # 08:00–18:00 clinic time
    RoomFactory(clinic=people.clinic, name="Dosing A", dosing_capable=True)
    RoomFactory(clinic=people.clinic, name="Garden room", dosing_capable=False)
    return people


def test_an_admin_books_moves_is_refused_a_double_booking_and_cancels(
    clinic, page, login, screenshot
):
    people = clinic
    day = _a_weekday_ahead()
    login("alice")

    # Find a free slot: Bob, any room, one hour, on that day.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    page.get_by_role("link", name="Find a free slot").click()
    page.select_option("#id_clinician", label="Bob Therapist, LCSW")
    page.select_option("#id_room", label="Any room")
    page.select_option("#id_duration", label="1 h 00 min")
    page.fill("#id_start", day.isoformat())
    page.fill("#id_end", day.isoformat())
    page.fill("#id_count", "3")
    page.get_by_role("button", name="Search").click()
    slots = page.get_by_test_id("slots")
    first = slots.locator("tbody tr").first
    assert f"{day:%a %b} {day.day} 08:00–09:00" in first.inner_text()
    assert "Bob Therapist, LCSW" in first.inner_text()
    room = first.locator("td").nth(2).inner_text().strip()
    assert room in ("Dosing A", "Garden room")

    # Book it: the slot's clinician, room, date and time are filled in; the admin picks the
    # patient and the kind, checks, then books.
    first.get_by_role("link", name="Book…").click()
    assert page.input_value("#id_date") == day.isoformat()
    assert page.input_value("#id_start_time") == "08:00"
    assert page.locator("#id_clinician option:checked").inner_text() == "Bob Therapist, LCSW"
    assert page.locator("#id_room option:checked").inner_text() == room
    # The patient picker is a search: typing part of the name offers the matches.
    choose_patient(page, "Erin", "Erin Patient")
    page.select_option("#id_kind", label="Preparation")
    page.get_by_role("button", name="Check for conflicts").click()
    assert "No conflicts" in page.get_by_test_id("no-conflicts").inner_text()
    assert not Session.objects.exists()
    page.get_by_role("button", name="Book", exact=True).click()
    assert "Session booked." in page.locator(".messages").inner_text()
    assert f"{day:%A, %b} {day.day}" in page.locator("h1").inner_text()
    event = page.locator(".cal-event", has_text="Erin Patient")
    assert re.search(r"08:00–09:00\s+Preparation", event.inner_text())
    session = Session.objects.get()
    assert session.starts_at == datetime.datetime.combine(day, datetime.time(8), DENVER)
    assert (session.clinician, session.room.name, session.kind) == (
        people.therapist,
        room,
        "preparation",
    )

    # Move it to 10:00 from its page.
    event.click()
    assert page.locator("h1").inner_text() == "Preparation · Erin Patient"
    page.fill("#id_start_time", "10:00")
    page.get_by_role("button", name="Move session").click()
    assert "Session moved." in page.locator(".messages").inner_text()
    event = page.locator(".cal-event", has_text="Erin Patient")
    assert "10:00–11:00" in event.inner_text()
    session.refresh_from_db()
    assert session.starts_at == datetime.datetime.combine(day, datetime.time(10), DENVER)

    # Book Frank with Bob at 10:30 in the other room: Bob is busy, so it is refused, and
    # says with what; nothing is booked.
    page.get_by_role("link", name="Book a session").click()
    other_room = "Garden room" if room == "Dosing A" else "Dosing A"
    choose_patient(page, "Fra", "Frank Other")
    page.select_option("#id_kind", label="Integration")
    page.select_option("#id_clinician", label="Bob Therapist, LCSW")
    page.select_option("#id_room", label=other_room)
    page.fill("#id_date", day.isoformat())
    page.fill("#id_start_time", "10:30")
    page.select_option("#id_duration", label="1 h 00 min")
    page.get_by_role("button", name="Book", exact=True).click()
    refusal = page.get_by_test_id("conflicts").inner_text()
    assert "This booking cannot be made as it stands" in refusal
    assert (
        f"Bob Therapist, LCSW is booked: a preparation session {day:%a %b} {day.day}, "
        "10:00 AM–11:00 AM." in refusal
    )
    assert Session.objects.count() == 1
    assert not Session.objects.filter(patient=people.other_patient).exists()
    # The form keeps what was typed, so the admin can change the time and try again.
    assert page.input_value("#id_start_time") == "10:30"

    # Cancel Erin's session from the calendar.
    page.goto(f"/calendar/?date={day.isoformat()}&by=room")
    screenshot(page, "admin-calendar-day")
    page.locator(".cal-event", has_text="Erin Patient").click()
    page.fill("#id_reason", "Patient has the flu")
    page.get_by_role("button", name="Cancel session").click()
    assert "Cancelled." in page.locator(".messages").inner_text()
    assert page.locator(".cal-event", has_text="Erin Patient").count() == 0
    session.refresh_from_db()
    assert (session.status, session.cancel_reason) == ("cancelled", "Patient has the flu")
