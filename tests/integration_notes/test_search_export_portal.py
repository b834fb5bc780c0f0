"""Search across the therapist's own patients' notes, the PDF export, the portal summary."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from integration_notes import selectors, services
from tests.conftest import on_postgres
from tests.factories import INTEGRATION_CONTENT, SessionFactory, signed_note

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes(people, session):
    mine = signed_note(session)
    other = SessionFactory(
        patient=people.other_patient,
        clinician=people.outsider,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
    )
    theirs = signed_note(
        other, content={**INTEGRATION_CONTENT, "experience": "I floated over the lake too."}
    )
    return mine, theirs


def test_search_finds_only_notes_of_the_therapists_own_patients(people, notes, api_as):
    mine, theirs = notes
    found = selectors.note_list(user=people.therapist.user, search="lake")
    assert list(found) == [mine]
    assert list(selectors.note_list(user=people.outsider.user, search="lake")) == [theirs]
    response = api_as(people.therapist).get("/api/v1/notes/", {"q": "lake"})
    assert [n["id"] for n in response.json()["results"]] == [mine.pk]
    assert list(selectors.note_list(user=people.therapist.user, search="volcano")) == []


def test_search_matches_every_word(people, notes):
    mine, _ = notes
    assert list(selectors.note_list(user=people.therapist.user, search="father lake")) == [mine]
    assert list(selectors.note_list(user=people.therapist.user, search="father volcano")) == []


def test_search_on_postgresql_is_full_text_with_stemming(people, notes):
    if not on_postgres():
        pytest.skip("full-text search is PostgreSQL's")
    mine, _ = notes
    # "floating" is not in the note; its stem is ("floated").
    assert list(selectors.note_list(user=people.therapist.user, search="floating")) == [mine]


def test_the_search_page(people, notes, web_as):
    response = web_as(people.therapist).get("/notes/", {"q": "lake"})
    assert response.status_code == 200
    assert [n.pk for n in response.context["notes"]] == [notes[0].pk]


def test_the_search_page_is_audited_with_its_terms_and_the_notes_it_found(people, notes, web_as):
    from backend.models import AuditEvent

    web_as(people.therapist).get("/notes/", {"q": "lake"})
    [event] = AuditEvent.objects.all()
    assert event.route == "notes:note-list"
    assert event.terms == {"q": "lake"}
    assert event.records["integration_notes.note"] == [notes[0].pk]
    assert event.actor == people.therapist.user


def test_a_signed_note_exports_to_pdf_with_its_addenda_in_order(people, session, web_as, api_as):
    note = signed_note(session)
    services.addendum_add(note=note, author=people.therapist, text="First addendum text.")
    services.addendum_add(note=note, author=people.medical, text="Second addendum text.")
    for response in (
        web_as(people.therapist).get(f"/notes/{note.pk}/pdf/"),
        api_as(people.therapist).get(f"/api/v1/notes/{note.pk}/pdf/"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = "\n".join(
            page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
        )
        assert "KAP integration note" in text
        assert "Erin Patient" in text
        assert "Morning walk without the phone" in text
        assert note.content_hash[:16] in text.replace("\n", "")
        assert text.index("First addendum text.") < text.index("Second addendum text.")
        assert "(303) 555-0142" in text and "+13035550142" not in text  # the clinic's phone


def test_a_draft_does_not_export(people, session, integration_template, api_as, web_as):
    note = services.note_start(
        session=session, author=people.therapist, template=integration_template
    )
    response = api_as(people.therapist).get(f"/api/v1/notes/{note.pk}/pdf/")
    assert response.status_code == 409
    page = web_as(people.therapist).get(f"/notes/{note.pk}/pdf/", follow=True)
    assert "Only a signed note can be exported." in page.content.decode()


def test_the_patient_sees_a_shared_summary_in_the_portal_and_never_the_note(
    people, session, web_as
):
    signed_note(session)
    services.summary_save(
        session=session,
        author=people.therapist,
        practices="Walk every morning without the phone.",
        reminders="The anger belongs to a younger me.",
        share=False,
    )
    portal = web_as(people.patient).get("/portal/").content.decode()
    assert "Walk every morning" not in portal  # not shared yet

    services.summary_save(
        session=session,
        author=people.therapist,
        practices="Walk every morning without the phone.",
        reminders="The anger belongs to a younger me.",
        share=True,
    )
    portal = web_as(people.patient).get("/portal/").content.decode()
    assert "Walk every morning without the phone." in portal
    assert "The anger belongs to a younger me." in portal
    assert "Denies ideation" not in portal  # the clinical note stays clinical
    other = web_as(people.other_patient).get("/portal/").content.decode()
    assert "Walk every morning" not in other


def test_only_the_sessions_clinician_writes_the_summary(people, session):
    with pytest.raises(services.NotTheAuthor):
        services.summary_save(
            session=session, author=people.medical, practices="x", reminders="", share=True
        )


def test_the_session_panel_shows_the_note_status_and_a_link(people, session, rf):
    from django.template.loader import render_to_string

    from backend.roles import actor_for

    request = rf.get("/")
    request.user = people.therapist.user
    context = {"session": session, "actor": actor_for(request.user), "request": request}

    def render():
        # Pages render in the clinic's zone (backend.middleware.ClinicTimeZoneMiddleware).
        with timezone.override(session.clinic.zone):
            return render_to_string("integration_notes/panels/session_note.html", context, request)

    html = render()
    assert "No note yet" in html
    assert f"/sessions/{session.pk}/note/" in html
    due = (session.ends_at + datetime.timedelta(hours=72)).astimezone(session.clinic.zone)
    assert f"due {due:%b} {due.day}, {due:%-I:%M %p}" in html
    note = signed_note(session)
    html = render()
    signed = note.signed_at.astimezone(session.clinic.zone)
    assert f"Signed {signed:%b} {signed.day}, {signed:%-I:%M %p}" in html
    assert f"/notes/{note.pk}/" in html


def test_the_patient_page_lists_the_patients_notes(people, session, web_as):
    note = signed_note(session)
    html = web_as(people.therapist).get(f"/patients/{people.patient.pk}/").content.decode()
    assert 'data-testid="patient-notes"' in html
    assert f"/notes/{note.pk}/" in html
    other = web_as(people.therapist).get(f"/patients/{people.other_patient.pk}/")
    assert other.status_code == 404
