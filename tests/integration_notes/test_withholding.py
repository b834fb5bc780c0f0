"""Right of access to progress notes: a patient reads and downloads their own signed notes,
never a draft, a psychotherapy note or another patient's, and never one a clinician
withheld under a 164.524 exception (which needs a reason and is audited)."""

import io

import pytest
from auditlog.models import LogEntry
from django.db import DatabaseError, transaction
from pypdf import PdfReader

from integration_notes import services
from integration_notes.models import Note
from tests.factories import INTEGRATION_CONTENT, SessionFactory, signed_note

pytestmark = pytest.mark.django_db

REASON = "Access is reasonably likely to endanger the physical safety of another person."


@pytest.fixture
def note(session):
    return signed_note(session)


def test_the_patient_lists_reads_and_downloads_their_own_signed_notes(
    people, session, note, api_as, web_as
):
    client = api_as(people.patient)
    assert [n["id"] for n in client.get("/api/v1/notes/").json()["results"]] == [note.pk]
    detail = client.get(f"/api/v1/notes/{note.pk}/")
    assert detail.status_code == 200
    assert detail.json()["content"]["practices"] == INTEGRATION_CONTENT["practices"]
    for response in (
        client.get(f"/api/v1/notes/{note.pk}/pdf/"),
        web_as(people.patient).get(f"/notes/{note.pk}/pdf/"),
    ):
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        assert "Morning walk without the phone" in text


def test_the_patient_never_sees_a_draft_or_another_patients_note(
    people, session, note, integration_template, api_as, web_as
):
    later = SessionFactory(
        patient=people.patient,
        clinician=people.therapist,
        starts_at=session.starts_at.replace(hour=1),
        ends_at=session.starts_at.replace(hour=2),
    )
    draft = services.note_start(
        session=later, author=people.therapist, template=integration_template
    )
    theirs = signed_note(
        SessionFactory(
            patient=people.other_patient,
            clinician=people.outsider,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
        )
    )
    client = api_as(people.patient)
    assert [n["id"] for n in client.get("/api/v1/notes/").json()["results"]] == [note.pk]
    for hidden in (draft, theirs):
        assert client.get(f"/api/v1/notes/{hidden.pk}/").status_code == 404
        assert client.get(f"/api/v1/notes/{hidden.pk}/pdf/").status_code == 404
        assert web_as(people.patient).get(f"/notes/{hidden.pk}/pdf/").status_code == 404
    # The staff pages stay staff pages.
    assert web_as(people.patient).get(f"/notes/{note.pk}/").status_code == 403
    # and writing stays the clinicians'
    assert client.post(f"/api/v1/notes/{note.pk}/addenda/", {"text": "x"}).status_code == 403


def test_withholding_needs_a_reason_and_changes_nothing_without_one(people, note, api_as):
    response = api_as(people.therapist).post(
        f"/api/v1/notes/{note.pk}/withhold/", {"reason": "  "}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "withhold_reason_required"
    note.refresh_from_db()
    assert not note.withheld
    assert api_as(people.patient).get(f"/api/v1/notes/{note.pk}/").status_code == 200


def test_a_withheld_note_disappears_for_the_patient_until_released(people, note, api_as, web_as):
    response = api_as(people.therapist).post(
        f"/api/v1/notes/{note.pk}/withhold/", {"reason": REASON}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["withheld"] is True
    assert body["withheld_reason"] == REASON
    assert body["withheld_by"] == people.therapist.pk
    patient = api_as(people.patient)
    assert patient.get("/api/v1/notes/").json()["results"] == []
    assert patient.get(f"/api/v1/notes/{note.pk}/").status_code == 404
    assert patient.get(f"/api/v1/notes/{note.pk}/pdf/").status_code == 404
    assert web_as(people.patient).get(f"/notes/{note.pk}/pdf/").status_code == 404
    assert f"/notes/{note.pk}/pdf/" not in web_as(people.patient).get("/portal/").content.decode()
    # The care team still reads it.
    assert api_as(people.admin).get(f"/api/v1/notes/{note.pk}/").status_code == 200

    again = api_as(people.therapist).post(
        f"/api/v1/notes/{note.pk}/withhold/", {"reason": REASON}, format="json"
    )
    assert again.status_code == 409

    released = api_as(people.medical).post(f"/api/v1/notes/{note.pk}/release/")
    assert released.status_code == 200
    assert released.json()["withheld"] is False
    assert patient.get(f"/api/v1/notes/{note.pk}/").status_code == 200


def test_withholding_is_audited_as_a_change_and_leaves_the_signed_content_alone(people, note):
    services.note_withhold(note=note, staff=people.medical, reason=REASON)
    entry = LogEntry.objects.filter(
        action=LogEntry.Action.UPDATE, object_pk=str(note.pk), content_type__model="note"
    ).latest("timestamp")
    assert entry.changes_dict["withheld"] == ["False", "True"]
    assert entry.changes_dict["withheld_reason"][1] == REASON
    note.refresh_from_db()
    assert services.note_hash_matches(note)
    # The database still refuses any other change to the signed note.
    with pytest.raises(DatabaseError), transaction.atomic():
        Note.objects.filter(pk=note.pk).update(content={"practices": "changed"})
    with pytest.raises(DatabaseError), transaction.atomic():
        Note.objects.filter(pk=note.pk).update(withheld=False, word_count=1)


@pytest.mark.parametrize(("who", "status"), [("admin", 403), ("outsider", 404)])
def test_only_the_author_or_medical_staff_on_the_team_withhold(people, note, api_as, who, status):
    response = api_as(getattr(people, who)).post(
        f"/api/v1/notes/{note.pk}/withhold/", {"reason": REASON}, format="json"
    )
    assert response.status_code == status
    note.refresh_from_db()
    assert not note.withheld


def test_a_therapist_on_the_team_who_did_not_write_it_cannot_withhold(people, note):
    from tests.factories import CareTeamFactory, StaffFactory

    colleague = StaffFactory(clinic=people.clinic, role="therapist")
    CareTeamFactory(patient=people.patient, staff=colleague)
    with pytest.raises(services.NotTheAuthor):
        services.note_withhold(note=note, staff=colleague, reason=REASON)


def test_a_draft_is_not_withheld(people, session, integration_template):
    draft = services.note_start(
        session=session, author=people.therapist, template=integration_template
    )
    with pytest.raises(services.NoteNotSigned):
        services.note_withhold(note=draft, staff=people.therapist, reason=REASON)


def test_the_note_page_withholds_with_a_reason_and_shows_it(people, note, web_as):
    client = web_as(people.therapist)
    page = client.get(f"/notes/{note.pk}/").content.decode()
    assert 'data-testid="patient-access"' in page
    assert f"/notes/{note.pk}/withhold/" in page
    refused = client.post(f"/notes/{note.pk}/withhold/", {"reason": ""}, follow=True)
    assert "Give the reason" in refused.content.decode()
    note.refresh_from_db()
    assert not note.withheld
    done = client.post(f"/notes/{note.pk}/withhold/", {"reason": REASON}, follow=True)
    html = done.content.decode()
    assert "Withheld from the patient" in html
    assert REASON in html
    note.refresh_from_db()
    assert note.withheld


def test_the_portal_lists_the_patients_readable_notes(people, note, web_as):
    portal = web_as(people.patient).get("/portal/").content.decode()
    assert 'data-testid="portal-notes"' in portal
    assert f"/notes/{note.pk}/pdf/" in portal
    other = web_as(people.other_patient).get("/portal/").content.decode()
    assert f"/notes/{note.pk}/pdf/" not in other
