"""The notes API: scoped like patients, audited reads, the draft → sign workflow, and a
list whose query count does not grow with the number of notes."""

import datetime

import pytest
from django.utils import timezone

from integration_notes.models import Note
from tests.audit import audited_reads
from tests.factories import (
    INTEGRATION_CONTENT,
    CareTeamFactory,
    PatientFactory,
    SessionFactory,
    note_template,
    signed_note,
)

pytestmark = pytest.mark.django_db


def test_a_therapist_writes_saves_and_signs_a_note_through_the_api(
    people, session, integration_template, api_as
):
    client = api_as(people.therapist)
    created = client.post(
        "/api/v1/notes/",
        {"session": session.pk, "template": integration_template.pk},
        format="json",
    )
    assert created.status_code == 201, created.json()
    note = created.json()
    assert (note["status"], note["revision"], note["template_key"]) == (
        "draft",
        1,
        "kap-integration",
    )
    assert note["due_at"].startswith(
        (session.ends_at + datetime.timedelta(hours=72)).strftime("%Y-%m-%dT%H:%M")
    )
    saved = client.patch(
        f"/api/v1/notes/{note['id']}/",
        {"content": INTEGRATION_CONTENT, "revision": 1},
        format="json",
    )
    assert saved.status_code == 200, saved.json()
    assert saved.json()["revision"] == 2
    stale = client.patch(
        f"/api/v1/notes/{note['id']}/", {"content": {"insights": "x"}, "revision": 1}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_draft"
    signed = client.post(f"/api/v1/notes/{note['id']}/sign/", {"revision": 2}, format="json")
    assert signed.status_code == 200, signed.json()
    assert signed.json()["status"] == "signed"
    assert len(signed.json()["content_hash"]) == 64


def test_signing_an_incomplete_note_answers_400_with_the_missing_fields(
    people, session, integration_template, api_as
):
    client = api_as(people.therapist)
    note_id = client.post(
        "/api/v1/notes/",
        {"session": session.pk, "template": integration_template.pk, "content": {"body": "warm"}},
        format="json",
    ).json()["id"]
    response = client.post(f"/api/v1/notes/{note_id}/sign/")
    assert response.status_code == 400
    assert "Integration practices agreed" in response.json()["detail"]
    assert Note.objects.get(pk=note_id).status == "draft"


def test_an_unknown_field_is_refused(people, session, integration_template, api_as):
    response = api_as(people.therapist).post(
        "/api/v1/notes/",
        {"session": session.pk, "template": integration_template.pk, "content": {"x": "1"}},
        format="json",
    )
    assert response.status_code == 400
    assert "no field x" in response.json()["detail"]
    assert not Note.objects.exists()


def test_a_clinician_who_is_not_the_sessions_cannot_open_its_note(
    people, session, integration_template, api_as
):
    response = api_as(people.medical).post(
        "/api/v1/notes/",
        {"session": session.pk, "template": integration_template.pk},
        format="json",
    )
    assert response.status_code == 403
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("therapist", 200),
        ("medical", 200),
        ("admin", 200),
        ("outsider", 404),
        ("other_admin", 404),
        ("patient", 200),
        ("other_patient", 404),
    ],
)
def test_notes_are_scoped_like_patients(people, session, api_as, who, status):
    note = signed_note(session)
    client = api_as(getattr(people, who))
    assert client.get(f"/api/v1/notes/{note.pk}/").status_code == status
    listing = client.get("/api/v1/notes/")
    if status == 200:
        assert [n["id"] for n in listing.json()["results"]] == [note.pk]
    elif status == 404:
        assert listing.json()["results"] == []


def test_reading_a_note_is_an_audited_access(people, session, api_as):
    note = signed_note(session)
    api_as(people.admin).get(f"/api/v1/notes/{note.pk}/")
    [entry] = audited_reads(note)
    assert entry.actor == people.admin.user


def test_the_web_page_audits_the_read_and_hides_other_patients_notes(people, session, web_as):
    note = signed_note(session)
    assert web_as(people.outsider).get(f"/notes/{note.pk}/").status_code == 404
    assert web_as(people.therapist).get(f"/notes/{note.pk}/").status_code == 200
    assert audited_reads(note, actor=people.therapist.user)


def add_notes(people, count):
    """`count` signed notes, each of another patient on the therapist's care team, each
    with an addendum, so any per-row query would show."""
    from integration_notes import services

    start = timezone.now() - datetime.timedelta(days=3)
    for i in range(count):
        patient = PatientFactory(
            clinic=people.clinic, legal_first_name=f"Noa{i}", legal_last_name="Quill"
        )
        CareTeamFactory(patient=patient, staff=people.therapist)
        session = SessionFactory(
            patient=patient,
            clinician=people.therapist,
            starts_at=start + datetime.timedelta(hours=i),
            ends_at=start + datetime.timedelta(hours=i, minutes=50),
        )
        note = signed_note(session)
        services.addendum_add(note=note, author=people.therapist, text="Addendum.")


@pytest.mark.parametrize("count", [3, 30])
def test_the_notes_list_api_uses_a_constant_number_of_queries(
    people, api_as, django_assert_num_queries, count
):
    note_template(people.clinic)
    add_notes(people, count)
    client = api_as(people.therapist)
    # 1. the token and its user
    # 2. the user's staff record (their role and clinic)
    # 3. the page of notes joined with patient, session, clinic, template, author, signer,
    #    with the addenda counted (a keyset page: no COUNT(*))
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(4):
        response = client.get("/api/v1/notes/", {"page_size": 100})
    assert response.status_code == 200
    assert len(response.json()["results"]) == count
    assert response.json()["results"][0]["addenda_count"] == 1


@pytest.mark.parametrize("count", [3, 30])
def test_the_notes_list_page_uses_a_constant_number_of_queries(
    people, web_as, django_assert_num_queries, count
):
    note_template(people.clinic)
    add_notes(people, count)
    client = web_as(people.therapist)
    # 1. the session
    # 2. the session's user
    # 3. the user's staff record (their role and clinic)
    # 4. COUNT(*) of the visible notes (paginator)
    # 5. the page of notes with their joins and addenda counted
    # 6. the session's second-factor device (django-otp: the session is verified)
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(7):
        response = client.get("/notes/")
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == count
