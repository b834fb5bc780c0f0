"""The demo clinic's reminders: every upcoming session has them, some were sent, one
failed, one patient opted out of text messages; seeding twice changes nothing."""

import pytest
from django.utils import timezone

from backend.demo import seed_demo
from messaging.models import PatientMessaging, Reminder
from messaging.services import outbox
from practice.models import Session


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(outbox.publishing, "publish", lambda ids, queue=None: len(ids))


def test_the_demo_has_reminders_for_every_upcoming_session(db):
    ctx = seed_demo()
    upcoming = Session.objects.filter(status="scheduled", starts_at__gt=timezone.now())
    assert upcoming.exists()
    for session in upcoming:
        assert Reminder.objects.filter(session=session).exists(), session
    assert Reminder.objects.filter(status="sent").count() >= 2
    assert Reminder.objects.filter(status="failed").count() == 1
    hannah = ctx["patients"]["hannah"]
    assert not PatientMessaging.objects.get(patient=hannah).sms_consent
    assert not Reminder.objects.filter(patient=hannah, channel="sms").exists()
    assert Reminder.objects.filter(channel="sms", status="pending").exists()
    # A reminder falls due within minutes, so `make run` shows one arriving.
    soon = timezone.now() + timezone.timedelta(minutes=10)
    assert Reminder.objects.filter(status="pending", send_at__lte=soon).exists()

    before = sorted(Reminder.objects.values_list("pk", "status", "send_at"))
    seed_demo()
    assert sorted(Reminder.objects.values_list("pk", "status", "send_at")) == before
