"""The outbox with real processes: a Celery worker and beat on a private Redis, against the
PostgreSQL test database. Each test proves a reminder goes out exactly once:

- a booked session's due reminder, through beat → sweep → worker;
- a worker SIGKILLed while sending (before the provider accepted it: still exactly once;
  after: at most once more, and only inside that counted crash-after-send window);
- Redis stopped during bookings: bookings stay fast, reminders go out when it returns;
- two beat processes: still no duplicate.
"""

import datetime
import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from backend.celery import app
from messaging.models import MessagePreference, PatientMessaging, Reminder, ReminderSettings
from scheduling.services.reminders import session_reminders_sync
from tests.conftest import requires_postgres, requires_redis
from tests.factories import ClinicFactory, PatientFactory, SessionFactory, StaffFactory
from tests.messaging.harness import CeleryProcesses, RedisServer, wait_until

pytestmark = [
    requires_postgres,
    requires_redis,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(redis, settings):
    """Point this process's Celery app at the private Redis (publishing on commit)."""
    settings.REMINDER_PUBLISH_ON_COMMIT = True
    keys = ("broker_url", "broker_write_url", "broker_read_url")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(dict.fromkeys(keys, redis.url))
    app._pool = None
    app.amqp._producer_pool = None
    assert redis.url.rsplit(":", 1)[1] in app.connection_for_write().as_uri()
    yield redis
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def var_dir(tmp_path):
    path = tmp_path / "var"
    (path / "outbox").mkdir(parents=True)
    return path


@pytest.fixture
def celery(broker, var_dir, request):
    extra = getattr(request, "param", None) or {}
    processes = CeleryProcesses(broker_url=broker.url, var_dir=var_dir, extra_env=extra)
    yield processes
    processes.stop_all()


@pytest.fixture
def sweep_every_second(db):
    """The outbox sweep of backend/schedules.py, every second instead of every minute."""
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name="reminders-dispatch-due",
        task="messaging.tasks.reminders_dispatch_due",
        interval=every,
    )


@pytest.fixture
def clinic(db):
    clinic = ClinicFactory()
    # No quiet hours: these tests run at any hour of the day.
    ReminderSettings.objects.create(
        clinic=clinic, quiet_hours_start=datetime.time(0), quiet_hours_end=datetime.time(0)
    )
    return clinic


def consenting_patient(clinic):
    patient = PatientFactory(clinic=clinic)
    PatientMessaging.objects.create(patient=patient, sms_consent_at=timezone.now())
    return patient


@pytest.fixture
def patient(clinic):
    return consenting_patient(clinic)


def book_due(patient) -> list[Reminder]:
    """Book a session starting in an hour (its 2 h reminder is due now), as a booking does:
    the session and its reminder rows in one transaction. Each booking has its own
    clinician, and each patient one session: nobody is double-booked."""
    with transaction.atomic():
        starts = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=1)
        session = SessionFactory(
            patient=patient,
            clinician=StaffFactory(clinic=patient.clinic),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
        )
        session_reminders_sync(session=session)
    return list(Reminder.objects.filter(session=session))


def deliveries(var_dir: Path, reminder: Reminder) -> int:
    """How many times `reminder` reached the email or SMS outbox folder."""
    tag = f"reminder-{reminder.pk}"
    if reminder.channel == "sms":
        return len(list((var_dir / "outbox" / "sms").glob(f"*-{tag}-*.json")))
    folder = var_dir / "outbox" / "email"
    if not folder.exists():
        return 0
    return sum(p.read_text().count(f"X-KAP-Message: {tag}\n") for p in folder.iterdir())


def all_sent(reminders) -> bool:
    ids = [r.pk for r in reminders]
    return Reminder.objects.filter(pk__in=ids, status="sent").count() == len(ids)


def test_a_booked_sessions_due_reminder_is_sent_exactly_once(
    celery, sweep_every_second, patient, var_dir
):
    celery.beat()
    celery.worker()
    reminders = book_due(patient)
    assert {(r.kind, r.channel) for r in reminders} == {
        ("session_2h", "email"),
        ("session_2h", "sms"),
    }

    wait_until(lambda: all_sent(reminders), timeout=30, what="the reminders to be sent")
    time.sleep(2.5)  # more sweeps and a redelivery window: nothing may go out again
    for reminder in reminders:
        reminder.refresh_from_db()
        assert deliveries(var_dir, reminder) == 1, celery.logs()
        assert reminder.attempts == 1
        assert reminder.sent_at is not None


def _sms_only(patient):
    MessagePreference.objects.create(patient=patient, kind="session_2h", channel="sms")


@pytest.mark.parametrize(
    "celery",
    [{"SMS_BACKEND": "tests.messaging.backends.SlowOutboxSmsBackend", "SLOW_SMS_MODE": "before"}],
    indirect=True,
)
def test_a_worker_killed_while_sending_still_sends_exactly_once(
    celery, sweep_every_second, patient, var_dir
):
    _sms_only(patient)
    celery.beat()
    celery.worker()
    [reminder] = book_due(patient)
    marker = var_dir / "outbox" / f"reminder-{reminder.pk}.started"
    wait_until(marker.exists, timeout=20, what="the send to start")
    time.sleep(0.2)
    os.kill(int(marker.read_text()), signal.SIGKILL)  # the pool process that is sending

    wait_until(lambda: all_sent([reminder]), timeout=30, what="the reminder to be sent")
    time.sleep(2)
    reminder.refresh_from_db()
    assert deliveries(var_dir, reminder) == 1, celery.logs()
    assert reminder.attempts == 2  # the killed attempt, then the one that sent


@pytest.mark.parametrize(
    "celery",
    [{"SMS_BACKEND": "tests.messaging.backends.SlowOutboxSmsBackend", "SLOW_SMS_MODE": "after"}],
    indirect=True,
)
def test_a_worker_killed_after_the_provider_accepted_sends_at_most_once_more(
    celery, sweep_every_second, patient, var_dir
):
    # The crash-after-send window: the provider has the message, our row still says
    # "sending". Nobody can know whether it went out, so the lease hands it out again:
    # one duplicate per crash inside the window, counted by `attempts`, and no more.
    _sms_only(patient)
    celery.beat()
    worker = celery.worker()
    [reminder] = book_due(patient)
    marker = var_dir / "outbox" / f"reminder-{reminder.pk}.started"
    wait_until(marker.exists, timeout=20, what="the send to start")
    wait_until(lambda: deliveries(var_dir, reminder) == 1, timeout=5, what="the provider")
    celery.kill(worker)  # the whole worker this time, master and pool together
    celery.worker()

    wait_until(lambda: all_sent([reminder]), timeout=30, what="the reminder to be sent")
    time.sleep(2)
    reminder.refresh_from_db()
    assert reminder.attempts == 2
    assert deliveries(var_dir, reminder) == reminder.attempts == 2, celery.logs()


def test_bookings_succeed_fast_while_redis_is_down_and_reminders_follow(
    celery, sweep_every_second, clinic, broker, var_dir
):
    celery.beat()
    celery.worker()
    broker.stop()

    patients = [consenting_patient(clinic) for _ in range(5)]
    booked = []
    for patient in patients:
        started = time.monotonic()
        booked += book_due(patient)
        assert time.monotonic() - started < 2.0
    assert Reminder.objects.filter(status="pending").count() == len(booked) == 10

    broker.start()  # same port: the worker and beat reconnect
    wait_until(lambda: all_sent(booked), timeout=60, what="the reminders after Redis returned")
    time.sleep(2)
    for reminder in booked:
        assert deliveries(var_dir, reminder) == 1, celery.logs()


def test_two_beats_send_no_duplicate(celery, sweep_every_second, clinic, var_dir):
    celery.beat()
    celery.beat()
    celery.worker(concurrency=2)
    patients = [consenting_patient(clinic) for _ in range(10)]
    time.sleep(1.5)  # both beats ticking
    booked = [r for patient in patients for r in book_due(patient)]

    wait_until(lambda: all_sent(booked), timeout=60, what="the reminders to be sent")
    time.sleep(3)
    counts = [deliveries(var_dir, r) for r in booked]
    assert counts == [1] * len(booked), celery.logs()
    assert "reminders-dispatch-due" in celery.logs()
