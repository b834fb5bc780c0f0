"""Issue 18's journey on a phone, without calling the clinic: the patient books an
integration session by video from the portal (the clinic confirms such bookings at once),
finds it on her portal with its video link, and writes to her therapist, who answers from the
inbox. axe-core checks every page; nothing is wider than 390 px."""

import datetime

import pytest
from django.conf import settings

from practice.choices import TELEHEALTH_CONSENT_KINDS
from practice.models import Session
from scheduling.models import SchedulingPolicy
from tests.e2e.test_phone_and_keyboard import overflow, too_wide
from tests.factories import consents_signed, working_hours_every_day

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_patient_books_by_video_gets_the_link_and_writes_to_her_therapist(
    people, phone, phone_login
):
    # Working all day, every day: a free time exists whatever the moment the test runs.
    working_hours_every_day(people.therapist, datetime.time(0), datetime.time(23, 59))
    SchedulingPolicy.objects.update_or_create(
        clinic=people.clinic, defaults={"self_booking_auto_confirm": True}
    )
    consents_signed(people.patient, TELEHEALTH_CONSENT_KINDS)
    page = phone
    phone_login("erin")

    # Book an integration session by video.
    page.goto("/portal/book/")
    page.get_by_label("Kind of session").select_option("integration")
    page.get_by_label("Where").select_option("video")
    page.get_by_role("button", name="Show free times").click()
    page.wait_for_load_state()
    assert overflow(page) == 0, too_wide(page)
    page.get_by_test_id("slot").first.click()
    page.wait_for_load_state()
    assert page.get_by_text("Booked. It is on your schedule.").is_visible()
    session = Session.objects.get(patient=people.patient)
    assert (session.kind, session.modality) == ("integration", "video")

    # The portal lists it by video; its join route takes her to the session's own room.
    page.goto("/portal/")
    card = page.get_by_text("Integration session by video")
    assert card.is_visible()
    assert overflow(page) == 0, too_wide(page)
    joined = page.request.get(f"/sessions/{session.pk}/join/", max_redirects=0)
    assert joined.status == 302
    assert joined.headers["location"].startswith(settings.JITSI_BASE_URL)
    assert session.video_room in joined.headers["location"]

    # She writes to her therapist, who answers from the inbox.
    page.goto("/portal/messages/")
    page.get_by_role("link", name="Write to your care team").click()
    page.wait_for_load_state()
    page.get_by_label("Subject").fill("Before our video session")
    page.get_by_label("Message").fill("Should I find a quiet room with a door that closes?")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert overflow(page) == 0, too_wide(page)

    page.context.clear_cookies()
    phone_login("bob")
    page.goto("/inbox/")
    page.get_by_role("link", name="Before our video session").click()
    page.wait_for_load_state()
    page.get_by_label("Your answer").fill("Yes, and headphones if you have them.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert page.get_by_text("Yes, and headphones if you have them.").is_visible()
    # The therapist's page offers the same session's video link.
    page.goto(f"/sessions/{session.pk}/")
    assert page.locator(f'a[href="/sessions/{session.pk}/join/"]').count() >= 1
    assert overflow(page) == 0, too_wide(page)
