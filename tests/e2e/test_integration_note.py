"""A therapist runs their day from the worklist: opens today's integration session, sees the
intentions from the preparation note, writes the note (autosaved), signs it, adds an
addendum."""

import datetime
import re

import pytest
from django.utils import timezone

from integration_notes.models import Note
from tests.factories import SessionFactory, signed_note

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sessions(people):
    now = timezone.now().replace(second=0, microsecond=0)
    preparation = SessionFactory(
        patient=people.patient,
        clinician=people.therapist,
        kind="preparation",
        starts_at=now - datetime.timedelta(days=7),
        ends_at=now - datetime.timedelta(days=7) + datetime.timedelta(minutes=50),
        status="completed",
    )
    signed_note(
        preparation,
        key="kap-preparation",
        content={
            "goals": "Less dread on Sunday evenings.",
            "intentions": "Meet the tightness in my chest with curiosity.",
            "consent_reviewed": True,
        },
    )
    integration = SessionFactory(
        patient=people.patient,
        clinician=people.therapist,
        kind="integration",
        starts_at=now - datetime.timedelta(minutes=5),
        ends_at=now + datetime.timedelta(minutes=45),
        status="checked_in",
    )
    return integration


def test_a_therapist_writes_signs_and_amends_an_integration_note(
    people, sessions, page, login, screenshot
):
    login("bob")
    page.goto("/today/")
    screenshot(page, "therapist-today")
    today = page.get_by_test_id("worklist-today")
    assert "Erin Patient" in today.inner_text()
    today.get_by_role("link", name="Write note").click()

    page.get_by_role("button", name="Start the note").click()
    # The editor's script listens for typing once the page has loaded.
    page.wait_for_load_state("load")
    alongside = page.get_by_test_id("alongside")
    assert "Meet the tightness in my chest with curiosity." in alongside.inner_text()

    page.fill("#id_f_experience", "I was a small boat and the sea held me.")
    page.fill("#id_f_insights", "I can rest without earning it.")
    page.fill("#id_f_practices", "Five minutes of breath each morning.")
    page.select_option("#id_f_risk_level", "No current risk")
    page.fill("#id_f_next_plan", "Explore the boat image.")
    # Autosave: the page says when it saved and counts the words.
    page.get_by_test_id("save-status").filter(has_text=re.compile(r"^Saved ")).wait_for()
    assert page.get_by_test_id("word-count").inner_text() == "26"
    note = Note.objects.get(session=sessions)
    assert note.status == "draft"
    assert note.content["practices"] == "Five minutes of breath each morning."

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign note").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("note-status").inner_text() == "Signed"
    assert "can no longer change" in page.locator(".messages").inner_text()
    assert page.locator("#note-form").count() == 0

    page.fill("#id_addendum", "Patient emailed: the breath practice helps at night too.")
    page.get_by_role("button", name="Sign and add addendum").click()
    page.wait_for_load_state("networkidle")
    addenda = page.get_by_test_id("addenda").inner_text()
    assert "the breath practice helps at night too." in addenda
    assert "Signed by Bob Therapist, LCSW" in addenda
    screenshot(page, "therapist-signed-note")

    note.refresh_from_db()
    assert note.status == "signed"
    assert note.signed_by == people.therapist
    assert note.addenda.count() == 1


def test_a_draft_typed_just_before_the_tab_closes_is_not_lost(people, sessions, page, login):
    from integration_notes import services
    from tests.factories import note_template

    note = services.note_start(
        session=sessions, author=people.therapist, template=note_template(people.clinic)
    )
    login("bob")
    page.goto(f"/notes/{note.pk}/")
    page.fill("#id_f_insights", "Typed and closed at once.")
    # Leave before the debounce fires: the beacon (or the browser copy) must carry it.
    page.goto("/today/")
    page.wait_for_timeout(500)
    note.refresh_from_db()
    if note.content.get("insights") != "Typed and closed at once.":
        # The beacon did not make it: coming back restores the browser's copy and saves it.
        page.goto(f"/notes/{note.pk}/")
        page.get_by_test_id("save-status").filter(has_text=re.compile(r"^Saved ")).wait_for()
        note.refresh_from_db()
    assert note.content["insights"] == "Typed and closed at once."
