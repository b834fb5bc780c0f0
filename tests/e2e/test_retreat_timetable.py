"""The clinic admin keeps a retreat's timetable true from the retreat page: a patient enrolled
after the timetable was generated is seated at once, cancelling a place asks first and seats
the patient who moves up from the waitlist, and regenerating then has nothing to change: the
run's page says it is queued and shows the summary by itself once the worker is done."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from practice.models import Session
from scheduling.services import retreats
from tests.e2e.pickers import choose_patient
from tests.factories import (
    PatientFactory,
    RoomFactory,
    ScreeningFactory,
    TreatmentPlanFactory,
    working_hours_every_day,
)

pytestmark = pytest.mark.django_db(transaction=True)


def cleared(people, first_name):
    """A patient with a cleared screening taken today (valid a year) and a running plan."""
    patient = PatientFactory(clinic=people.clinic, legal_first_name=first_name)
    ScreeningFactory(patient=patient, screened_by=people.medical)
    TreatmentPlanFactory(patient=patient, status="active")
    return patient


@pytest.fixture
def retreat(people):
    # The live server runs on the real clock: the retreat starts three weeks from today.
    starts = timezone.now().date() + datetime.timedelta(days=21)
    staff = [people.therapist, people.outsider, people.medical]
    for member in staff:
        working_hours_every_day(member)
    rooms = [
        RoomFactory(clinic=people.clinic, name="Aspen", dosing_capable=True, capacity=4),
        RoomFactory(clinic=people.clinic, name="Circle", dosing_capable=False, capacity=8),
    ]
    r = retreats.retreat_create(
        clinic=people.clinic,
        name="Autumn intensive",
        starts_on=starts,
        ends_on=starts + datetime.timedelta(days=2),
        capacity=2,
        price="2400.00",
        staff=staff,
        rooms=rooms,
    )
    retreats.retreat_template_default(retreat=r)
    retreats.enrollment_create(retreat=r, patient=cleared(people, "Ana"))
    retreats.timetable_generate(retreat=r)
    return r


def test_an_admin_enrols_after_generation_promotes_and_regenerates(
    people, retreat, page, login, monkeypatch, screenshot
):
    late, waiting = cleared(people, "Lena"), cleared(people, "Samir")
    items = retreat.template.count()
    login("alice")
    page.goto(f"/retreats/{retreat.pk}/")

    # Enrolled after the timetable was generated: seated at once, in every item.
    choose_patient(page, "Lena", late.full_name)
    page.get_by_role("button", name="Enroll").click()
    assert f"{late.full_name} is enrolled." in page.locator(".messages").inner_text()
    assert Session.objects.filter(patient=late, status="scheduled").count() == items
    assert (
        page.locator("section.card", has_text="Timetable").get_by_text(late.display_name).count()
        == items
    )

    choose_patient(page, "Samir", waiting.full_name)
    page.get_by_role("button", name="Enroll").click()
    assert "waitlisted (position 1)" in page.locator(".messages").inner_text()

    # Cancelling a place asks first, saying who moves up; nothing changes until confirmed.
    page.get_by_test_id("roster").get_by_role("link", name="Cancel place").first.click()
    assert (
        f"{waiting.full_name} moves up from the waitlist"
        in page.get_by_test_id("consequences").inner_text()
    )
    assert Session.objects.filter(status="cancelled").count() == 0
    page.get_by_role("button", name="Cancel the place").click()
    assert (
        "moves up from the waitlist and has been notified" in page.locator(".messages").inner_text()
    )
    assert Session.objects.filter(patient=waiting, status="scheduled").count() == items

    # Regenerating starts a run the worker does (here: this test, once the page waits).
    queued = []
    monkeypatch.setattr(
        "scheduling.tasks.generate_timetable_run", SimpleNamespace(delay=queued.append)
    )
    page.get_by_role("button", name="Generate timetable").click()
    progress = page.get_by_test_id("run-progress")
    expect(progress).to_contain_text("The run is queued")
    run_page = page.url
    retreats.timetable_run_process(run_id=queued[0])
    # The page polls itself: the summary appears without a reload, with nothing left to do.
    expect(page.get_by_test_id("run-summary")).to_contain_text("0 booked", timeout=15_000)
    assert page.url == run_page
    assert f"{2 * items} kept" in page.get_by_test_id("run-summary").inner_text()
    page.get_by_role("link", name="See the timetable").click()
    assert page.get_by_test_id("timetable-gaps").count() == 0
    screenshot(page, "admin-retreat")


def test_the_retreat_page_with_its_patient_search_fits_a_phone(people, retreat, phone, phone_login):
    from tests.e2e.test_phone_and_keyboard import overflow, too_wide

    phone_login("alice")
    response = phone.goto(f"/retreats/{retreat.pk}/")
    assert response.ok
    assert phone.get_by_label("Patient to enroll").is_visible()
    assert overflow(phone) == 0, too_wide(phone)
