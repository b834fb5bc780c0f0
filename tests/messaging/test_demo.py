"""The demo clinic has secure messages and documents on the record, and seeding twice adds
nothing."""

import pytest

from backend.demo import seed_demo
from messaging.models import Thread, ThreadMessage
from messaging.selectors import thread_unread_count
from practice.models import PatientDocument

pytestmark = pytest.mark.django_db


def test_the_demo_has_threads_and_documents_and_seeds_idempotently():
    ctx = seed_demo()
    counts = (
        Thread.objects.count(),
        ThreadMessage.objects.count(),
        PatientDocument.objects.count(),
    )
    seed_demo()
    assert (
        Thread.objects.count(),
        ThreadMessage.objects.count(),
        PatientDocument.objects.count(),
    ) == counts

    eleanor, marcus = ctx["patients"]["eleanor"], ctx["patients"]["marcus"]
    therapist = ctx["staff"]["therapist"].user
    assert thread_unread_count(user=therapist) == 1  # Eleanor's last message
    assert thread_unread_count(user=marcus.user) == 1  # the therapist's check-in
    assert thread_unread_count(user=eleanor.user) == 0
    sleep = Thread.objects.get(patient=eleanor)
    assert [m.from_patient for m in sleep.messages.order_by("id")] == [True, False, True]

    documents = PatientDocument.objects.filter(patient=eleanor).order_by("kind")
    assert [(d.kind, d.reviewed_at is not None) for d in documents] == [
        ("insurance_card_back", False),
        ("insurance_card_front", True),
    ]
    assert all(d.content_type == "image/png" for d in documents)
