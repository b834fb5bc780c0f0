"""The demo clinic's reminders: every upcoming session has them, some were sent, one
failed, one patient opted out of text messages; seeding twice changes nothing."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from backend.demo import seed_demo
from messaging.models import PatientMessaging, Reminder
from messaging.services import outbox
from practice.models import Session
from scheduling.services.reminders import MIN_LEAD

# Wednesday 4 November 2026, 10:00 in Denver: the demo seeds relative to now (today's
# sessions at fixed local times, others hours or days ahead), so the test picks its moment
# instead of reading the wall clock, at which a session starting within minutes rightly has
# no reminder (the last one must go out MIN_LEAD before the start).
SEEDED_AT = datetime.datetime(2026, 11, 4, 17, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(outbox.publishing, "publish", lambda ids, queue=None: len(ids))


@time_machine.travel(SEEDED_AT, tick=False)
def test_the_demo_has_reminders_for_every_upcoming_session(db):
    ctx = seed_demo()
    upcoming = Session.objects.filter(status="scheduled", starts_at__gt=timezone.now() + MIN_LEAD)
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
