"""The demo clinic has notes in every state, and seeding twice adds nothing."""

import pytest
from django.utils import timezone

from backend.demo import seed_demo
from integration_notes import selectors, services
from integration_notes.models import (
    Addendum,
    IntegrationSummary,
    Note,
    NoteTemplate,
    PsychotherapyNote,
)

pytestmark = pytest.mark.django_db


def test_the_demo_has_notes_in_every_state_and_seeds_idempotently():
    ctx = seed_demo()
    counts = (Note.objects.count(), Addendum.objects.count(), PsychotherapyNote.objects.count())
    seed_demo()
    assert (
        Note.objects.count(),
        Addendum.objects.count(),
        PsychotherapyNote.objects.count(),
    ) == counts

    assert Note.objects.filter(status="signed").count() >= 3
    assert Note.objects.filter(status="draft").count() >= 2
    assert Addendum.objects.exists()
    assert IntegrationSummary.objects.filter(shared_at__isnull=False).exists()
    assert PsychotherapyNote.objects.count() >= 3
    assert all(services.note_hash_matches(n) for n in Note.objects.filter(status="signed"))
    circle = NoteTemplate.objects.filter(key="circle-check-in").order_by("version")
    assert [t.version for t in circle] == [1, 2]

    therapist = ctx["staff"]["therapist"].user
    worklist = selectors.worklist(user=therapist, now=timezone.now())
    assert worklist.today, "today's session is on the worklist"
    assert worklist.drafts
    assert worklist.overdue
