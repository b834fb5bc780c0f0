"""On a phone: the patient books an integration session from the portal, it waits for the
clinic, and the admin approves it from the queue counted on Today. Every page the browser
visits is checked with axe-core and fits 390 px."""

import datetime

import pytest

from scheduling.models import BookingRequest
from tests.e2e.test_phone_and_keyboard import overflow, too_wide
from tests.factories import working_hours_every_day

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_patient_requests_an_integration_session_and_the_admin_approves_it(
    people, phone, phone_login, screenshot
):
    # Working all day, every day: a free time exists whatever the moment the test runs.
    working_hours_every_day(people.therapist, datetime.time(0), datetime.time(23, 59))
    page = phone
    phone_login("erin")
    page.goto("/portal/")
    page.get_by_role("link", name="See free times").click()
    page.wait_for_load_state()
    assert page.url.endswith("/portal/book/")
    page.get_by_label("Kind of session").select_option("integration")
    page.get_by_role("button", name="Show free times").click()
    page.wait_for_load_state()
    assert overflow(page) == 0, too_wide(page)
    page.get_by_test_id("slot").first.click()
    page.wait_for_load_state()
    assert page.get_by_text("Requested. The clinic will confirm it.").is_visible()
    assert page.get_by_test_id("my-requests").get_by_text("Waiting for the clinic").is_visible()
    assert overflow(page) == 0, too_wide(page)
    screenshot(page, "portal-book-phone")

    page.context.clear_cookies()
    phone_login("alice")
    page.goto("/today/")
    assert page.get_by_test_id("booking-requests-count").inner_text() == "1 waiting"
    page.get_by_test_id("booking-requests-count").click()
    page.wait_for_load_state()
    assert page.url.endswith("/calendar/requests/")
    assert overflow(page) == 0, too_wide(page)
    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert page.get_by_text("Approved and booked").is_visible()
    made = BookingRequest.objects.get()
    assert made.status == "confirmed"
    assert made.session.kind == "integration"
