"""Psychotherapy notes: their author only, encrypted at rest, rotated to a new key."""

import io

import pytest
from auditlog.models import LogEntry
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection

from integration_notes import services
from integration_notes.models import PsychotherapyNote
from tests.factories import SessionFactory, signed_note

pytestmark = pytest.mark.django_db

SECRET = "Transference: patient's anger at her father surfaces toward me."


@pytest.fixture
def psy(people, session):
    return services.psychotherapy_note_create(
        author=people.therapist, patient=people.patient, session=session, body=SECRET
    )


def raw_body(pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM integration_notes_psychotherapynote WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_its_author_reads_it_through_the_api_and_the_page(people, psy, api_as, web_as):
    response = api_as(people.therapist).get(f"/api/v1/psychotherapy-notes/{psy.pk}/")
    assert response.status_code == 200
    assert response.json()["body"] == SECRET
    assert api_as(people.therapist).get("/api/v1/psychotherapy-notes/").json()["count"] == 1
    page = web_as(people.therapist).get(f"/psychotherapy-notes/{psy.pk}/")
    assert page.status_code == 200
    assert "anger at her father surfaces" in page.content.decode()


@pytest.mark.parametrize(
    "who", ["admin", "outsider", "medical", "patient", "other_patient", "other_admin"]
)
def test_every_other_role_gets_404_and_an_empty_list(people, psy, api_as, web_as, who):
    person = getattr(people, who)
    client = api_as(person)
    assert client.get(f"/api/v1/psychotherapy-notes/{psy.pk}/").status_code == 404
    listing = client.get("/api/v1/psychotherapy-notes/")
    assert listing.status_code == 200
    assert listing.json()["count"] == 0
    patch = client.patch(
        f"/api/v1/psychotherapy-notes/{psy.pk}/", {"body": "overwritten"}, format="json"
    )
    # Clinicians may write psychotherapy notes, but not this one (404); others may not
    # write any (403).
    assert patch.status_code == (404 if who in ("outsider", "medical") else 403)
    page = web_as(person).get(f"/psychotherapy-notes/{psy.pk}/")
    assert page.status_code == 404
    assert "anger at her father" not in page.content.decode()
    psy.refresh_from_db()
    assert psy.body == SECRET


def test_a_superuser_finds_it_neither_in_the_admin_nor_the_api(psy, admin_client, admin_user):
    # The app index lists the notes models, never psychotherapy notes.
    index = admin_client.get("/admin/integration_notes/")
    assert index.status_code == 200
    assert "sychotherapy" not in index.content.decode()
    response = admin_client.get("/admin/integration_notes/psychotherapynote/")
    assert response.status_code == 404
    # A back-office superuser has no clinic role: the API refuses them outright.
    assert admin_client.get(f"/api/v1/psychotherapy-notes/{psy.pk}/").status_code == 403


def test_it_is_ciphertext_in_the_database(psy):
    stored = raw_body(psy.pk)
    assert "Transference" not in stored
    assert "father" not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    assert PsychotherapyNote.objects.get(pk=psy.pk).body == SECRET


def test_its_text_is_never_written_to_the_audit_log(people, psy, api_as):
    api_as(people.therapist).patch(
        f"/api/v1/psychotherapy-notes/{psy.pk}/", {"body": SECRET + " More."}, format="json"
    )
    for entry in LogEntry.objects.all():
        assert "Transference" not in str(entry.changes)
        assert raw_body(psy.pk) not in str(entry.changes)


def test_it_is_not_part_of_the_note_export_or_the_portal(people, session, psy, web_as):
    from integration_notes.exports import note_document

    note = signed_note(session)
    assert SECRET not in str(note_document(note))
    portal = web_as(people.patient).get("/portal/")
    assert "Transference" not in portal.content.decode()


def test_a_note_written_under_key_a_is_readable_after_rotation_with_only_key_b(people, settings):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    psy = services.psychotherapy_note_create(
        author=people.therapist, patient=people.patient, body=SECRET
    )
    under_a = raw_body(psy.pk)
    assert Fernet(key_a).decrypt(under_a.encode()).decode() == SECRET

    # Without key A the row cannot be read: rotation must happen before A is dropped.
    settings.FIELD_ENCRYPTION_KEYS = [key_b]
    with pytest.raises(InvalidToken):
        PsychotherapyNote.objects.get(pk=psy.pk)

    settings.FIELD_ENCRYPTION_KEYS = [key_b, key_a]
    out = io.StringIO()
    call_command("rotate_note_keys", stdout=out)
    assert "Re-encrypted 1 psychotherapy notes" in out.getvalue()
    under_b = raw_body(psy.pk)
    assert under_b != under_a
    assert "Transference" not in under_b

    settings.FIELD_ENCRYPTION_KEYS = [key_b]
    assert PsychotherapyNote.objects.get(pk=psy.pk).body == SECRET


def test_rotation_without_the_old_key_fails_loudly_and_changes_nothing(people, settings):
    from django.core.management.base import CommandError

    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    psy = services.psychotherapy_note_create(
        author=people.therapist, patient=people.patient, body=SECRET
    )
    before = raw_body(psy.pk)
    settings.FIELD_ENCRYPTION_KEYS = [key_b]
    with pytest.raises(CommandError, match="not in FIELD_ENCRYPTION_KEYS"):
        call_command("rotate_note_keys", stdout=io.StringIO())
    assert raw_body(psy.pk) == before


def test_only_a_clinician_of_the_patients_clinic_writes_one(people):
    with pytest.raises(services.NotTheAuthor):
        services.psychotherapy_note_create(author=people.admin, patient=people.patient, body="x")
    with pytest.raises(services.NotTheAuthor):
        services.psychotherapy_note_create(
            author=people.therapist, patient=people.foreign_patient, body="x"
        )
    assert not PsychotherapyNote.objects.exists()


def test_the_api_refuses_a_patient_off_the_therapists_care_team(people, api_as):
    response = api_as(people.therapist).post(
        "/api/v1/psychotherapy-notes/",
        {"patient": people.other_patient.pk, "body": "x"},
        format="json",
    )
    assert response.status_code == 404
    assert not PsychotherapyNote.objects.exists()


def test_another_clinics_patient_and_a_missing_one_get_the_same_answer(people, api_as):
    client = api_as(people.therapist)
    missing_id = max(people.foreign_patient.pk, people.patient.pk) + 1000
    foreign = client.post(
        "/api/v1/psychotherapy-notes/",
        {"patient": people.foreign_patient.pk, "body": "x"},
        format="json",
    )
    missing = client.post(
        "/api/v1/psychotherapy-notes/", {"patient": missing_id, "body": "x"}, format="json"
    )
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert not PsychotherapyNote.objects.exists()


def test_a_session_out_of_reach_answers_like_a_missing_one(people, api_as):
    foreign_session = SessionFactory(patient=people.foreign_patient)
    client = api_as(people.therapist)
    answers = [
        client.post(
            "/api/v1/psychotherapy-notes/",
            {"patient": people.patient.pk, "session": session_id, "body": "x"},
            format="json",
        )
        for session_id in (foreign_session.pk, foreign_session.pk + 1000)
    ]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].json() == answers[1].json()
    assert not PsychotherapyNote.objects.exists()


def test_a_therapist_on_the_care_team_writes_one_through_the_api(people, api_as, session):
    response = api_as(people.therapist).post(
        "/api/v1/psychotherapy-notes/",
        {"patient": people.patient.pk, "session": session.pk, "body": "x"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert PsychotherapyNote.objects.get().session == session
