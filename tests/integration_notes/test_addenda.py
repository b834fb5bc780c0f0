"""Corrections to a signed note are addenda: signed, timestamped, shown in order."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from integration_notes import services
from integration_notes.errors import InvalidInput, NoteNotSigned
from integration_notes.models import Addendum
from tests.factories import INTEGRATION_CONTENT, signed_note

pytestmark = pytest.mark.django_db


def test_addenda_are_signed_timestamped_and_listed_in_signing_order(people, session, api_as):
    note = signed_note(session)
    start = timezone.now()
    for minutes, text in [(5, "First correction."), (30, "Second."), (90, "Third.")]:
        with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
            services.addendum_add(note=note, author=people.therapist, text=text)
    # A clinician on the care team may add one too.
    with time_machine.travel(start + datetime.timedelta(minutes=120), tick=False):
        services.addendum_add(note=note, author=people.medical, text="Vitals were normal.")

    response = api_as(people.therapist).get(f"/api/v1/notes/{note.pk}/addenda/")
    assert response.status_code == 200
    body = response.json()
    assert [a["text"] for a in body] == [
        "First correction.",
        "Second.",
        "Third.",
        "Vitals were normal.",
    ]
    assert body[3]["author_name"] == people.medical.display_name
    signed = [a["signed_at"] for a in body]
    assert signed == sorted(signed)
    assert all(len(a["content_hash"]) == 64 for a in body)
    detail = api_as(people.therapist).get(f"/api/v1/notes/{note.pk}/").json()
    assert detail["addenda"][0]["text"] == "First correction."
    # The note itself did not change.
    note.refresh_from_db()
    assert note.content == INTEGRATION_CONTENT
    assert services.note_hash_matches(note)


def test_a_draft_takes_no_addendum(people, session, integration_template):
    note = services.note_start(
        session=session, author=people.therapist, template=integration_template
    )
    with pytest.raises(NoteNotSigned):
        services.addendum_add(note=note, author=people.therapist, text="Too early.")
    assert not Addendum.objects.exists()


def test_an_empty_addendum_is_refused(people, session, api_as):
    note = signed_note(session)
    response = api_as(people.therapist).post(
        f"/api/v1/notes/{note.pk}/addenda/", {"text": "   "}, format="json"
    )
    assert response.status_code == 400
    with pytest.raises(InvalidInput):
        services.addendum_add(note=note, author=people.therapist, text="  ")
    assert not Addendum.objects.exists()


def test_the_api_adds_an_addendum(people, session, api_as):
    note = signed_note(session)
    response = api_as(people.therapist).post(
        f"/api/v1/notes/{note.pk}/addenda/",
        {"text": "Patient called: sleeping better."},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["text"] == "Patient called: sleeping better."
    assert Addendum.objects.get().author == people.therapist
