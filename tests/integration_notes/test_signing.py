"""A signed note never changes: every path that could edit it refuses, the hash holds."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from integration_notes import services
from integration_notes.errors import (
    NoteAlreadyExists,
    NoteIsSigned,
    NotTheAuthor,
    RequiredFieldsMissing,
    StaleDraft,
)
from integration_notes.models import Note
from tests.factories import INTEGRATION_CONTENT

pytestmark = pytest.mark.django_db


def start(session, template, content=None):
    return services.note_start(
        session=session, author=session.clinician, template=template, content=content
    )


def test_signing_stores_the_signer_the_time_and_the_sha256_of_the_content(
    session, integration_template
):
    note = start(session, integration_template, INTEGRATION_CONTENT)
    note = services.note_sign(note=note, signer=session.clinician)
    note.refresh_from_db()
    assert note.status == "signed"
    assert note.signed_by == session.clinician
    assert note.signed_at is not None
    assert note.content_hash == services.content_hash(note)
    assert len(note.content_hash) == 64
    assert services.note_hash_matches(note)


def test_signing_is_refused_until_the_required_fields_are_written(session, integration_template):
    note = start(session, integration_template, {"experience": "Quiet, then colours."})
    with pytest.raises(RequiredFieldsMissing) as refused:
        services.note_sign(note=note, signer=session.clinician)
    assert "Integration practices agreed" in refused.value.message
    assert "Risk assessment" in refused.value.message
    note.refresh_from_db()
    assert (note.status, note.signed_at, note.content_hash) == ("draft", None, "")


def test_only_the_author_signs_or_edits(people, session, integration_template):
    note = start(session, integration_template, INTEGRATION_CONTENT)
    with pytest.raises(NotTheAuthor):
        services.note_sign(note=note, signer=people.medical)
    with pytest.raises(NotTheAuthor):
        services.note_save_draft(note=note, author=people.medical, content={"insights": "x"})
    note.refresh_from_db()
    assert note.status == "draft"
    assert note.content["insights"] == INTEGRATION_CONTENT["insights"]


def test_only_the_sessions_clinician_opens_its_note(people, session, integration_template):
    with pytest.raises(NotTheAuthor):
        services.note_start(session=session, author=people.medical, template=integration_template)
    assert not Note.objects.exists()


def test_a_session_has_one_progress_note(session, integration_template):
    start(session, integration_template)
    with pytest.raises(NoteAlreadyExists):
        start(session, integration_template)
    assert Note.objects.count() == 1


def test_a_stale_autosave_from_another_window_is_refused(session, integration_template):
    note = start(session, integration_template)
    first = services.note_save_draft(
        note=note, author=session.clinician, content={"insights": "one"}, revision=note.revision
    )
    with pytest.raises(StaleDraft):
        services.note_save_draft(
            note=note, author=session.clinician, content={"insights": "two"}, revision=1
        )
    first.refresh_from_db()
    assert first.content["insights"] == "one"


def test_autosave_keeps_word_count_and_revision(session, integration_template):
    note = start(session, integration_template)
    note = services.note_save_draft(
        note=note, author=session.clinician, content={"experience": "Soft light, then  the sea."}
    )
    assert note.word_count == 5
    assert note.revision == 2


class TestASignedNoteNeverChanges:
    @pytest.fixture
    def note(self, session, integration_template):
        note = start(session, integration_template, INTEGRATION_CONTENT)
        return services.note_sign(note=note, signer=session.clinician)

    def assert_unchanged(self, note):
        stored = Note.objects.get(pk=note.pk)
        assert stored.content == INTEGRATION_CONTENT
        assert stored.content_hash == note.content_hash
        assert stored.signed_at == note.signed_at
        assert services.note_hash_matches(stored)

    def test_the_draft_service_refuses(self, note, session):
        with pytest.raises(NoteIsSigned) as refused:
            services.note_save_draft(
                note=note, author=session.clinician, content={"insights": "changed"}
            )
        assert "Add an addendum" in refused.value.message
        self.assert_unchanged(note)

    def test_signing_again_is_refused(self, note, session):
        with pytest.raises(NoteIsSigned):
            services.note_sign(note=note, signer=session.clinician)
        self.assert_unchanged(note)

    @pytest.mark.parametrize("method", ["put", "patch"])
    def test_the_api_answers_409(self, note, people, api_as, method):
        response = getattr(api_as(people.therapist), method)(
            f"/api/v1/notes/{note.pk}/", {"content": {"insights": "changed"}}, format="json"
        )
        assert response.status_code == 409
        assert response.json()["code"] == "note_signed"
        self.assert_unchanged(note)

    def test_signing_again_through_the_api_answers_409(self, note, people, api_as):
        response = api_as(people.therapist).post(f"/api/v1/notes/{note.pk}/sign/")
        assert response.status_code == 409
        self.assert_unchanged(note)

    def test_the_api_has_no_delete(self, note, people, api_as):
        response = api_as(people.therapist).delete(f"/api/v1/notes/{note.pk}/")
        assert response.status_code == 405
        self.assert_unchanged(note)

    def test_the_web_autosave_refuses(self, note, people, web_as):
        response = web_as(people.therapist).post(
            f"/notes/{note.pk}/autosave/", {"f_insights": "changed", "revision": note.revision}
        )
        assert response.status_code == 409
        assert "signed" in response.json()["detail"]
        self.assert_unchanged(note)

    def test_the_web_form_refuses(self, note, people, web_as):
        response = web_as(people.therapist).post(
            f"/notes/{note.pk}/", {"f_insights": "changed", "revision": note.revision}, follow=True
        )
        assert "can no longer change" in response.content.decode()
        self.assert_unchanged(note)

    def test_the_django_admin_is_read_only(self, note, admin_client):
        response = admin_client.post(
            f"/admin/integration_notes/note/{note.pk}/change/", {"content": "{}"}
        )
        assert response.status_code == 403
        self.assert_unchanged(note)

    def test_the_database_refuses_a_save(self, note):
        note.content = {**note.content, "insights": "changed"}
        with pytest.raises(IntegrityError), transaction.atomic():
            note.save()
        self.assert_unchanged(note)

    def test_the_database_refuses_a_bulk_update(self, note):
        with pytest.raises(IntegrityError), transaction.atomic():
            Note.objects.filter(pk=note.pk).update(content={})
        self.assert_unchanged(note)

    def test_the_database_refuses_to_change_an_addendum(self, note, session):
        addendum = services.addendum_add(note=note, author=session.clinician, text="Late entry.")
        with pytest.raises(IntegrityError), transaction.atomic():
            type(addendum).objects.filter(pk=addendum.pk).update(text="rewritten")
        addendum.refresh_from_db()
        assert addendum.text == "Late entry."


def test_the_autosave_answers_a_models_validation_in_the_one_error_shape_not_a_500(
    session, integration_template, people, web_as, monkeypatch
):
    note = start(session, integration_template)

    def refuse(**kwargs):
        raise ValidationError({"content": ["This field cannot be blank."]})

    monkeypatch.setattr(services, "note_save_draft", refuse)
    response = web_as(people.therapist).post(
        f"/notes/{note.pk}/autosave/", {"f_insights": "changed", "revision": note.revision}
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "content: This field cannot be blank.",
        "fields": {"content": ["This field cannot be blank."]},
    }
    note.refresh_from_db()
    assert note.revision == 1
