"""On a phone: the patient writes to her care team from the portal, the therapist sees the
unread count on Today, answers from the inbox, and the patient reads the answer with his
name on it. Every page the browser visits is checked with axe-core and fits 390 px."""

import pytest

from messaging.models import ThreadMessage
from tests.e2e.test_phone_and_keyboard import overflow, too_wide

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_patient_messages_the_therapist_who_answers_from_the_inbox(
    people, phone, phone_login, screenshot
):
    page = phone
    phone_login("erin")
    page.get_by_role("link", name="Messages", exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith("/portal/messages/")
    assert page.get_by_test_id("emergency-note").is_visible()
    page.get_by_role("link", name="Write to your care team").click()
    page.wait_for_load_state()
    page.get_by_label("Subject").fill("Sleep after dosing")
    page.get_by_label("Message").fill("I slept badly after Tuesday's session. Is that usual?")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert "/portal/messages/" in page.url
    assert page.get_by_text("I slept badly after Tuesday's session.").is_visible()
    assert overflow(page) == 0, too_wide(page)
    screenshot(page, "portal-thread-phone")

    page.context.clear_cookies()
    phone_login("bob")
    page.goto("/today/")
    assert page.get_by_test_id("unread-count").inner_text() == "1 unread"
    page.get_by_test_id("unread-count").click()
    page.wait_for_load_state()
    assert page.url.endswith("/inbox/")
    assert overflow(page) == 0, too_wide(page)
    page.get_by_role("link", name="Sleep after dosing").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("emergency-note").is_visible()
    page.get_by_label("Your answer").fill("Quite common the first night. Call us if it goes on.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert page.get_by_text("Quite common the first night.").is_visible()
    assert overflow(page) == 0, too_wide(page)
    screenshot(page, "inbox-thread-phone")

    page.context.clear_cookies()
    phone_login("erin")
    page.goto("/portal/messages/")
    assert page.get_by_text("Unread").is_visible()
    page.get_by_role("link", name="Sleep after dosing").click()
    page.wait_for_load_state()
    assert page.get_by_text("Bob Therapist, LCSW").is_visible()
    assert page.get_by_text("Quite common the first night.").is_visible()
    assert ThreadMessage.objects.count() == 2
