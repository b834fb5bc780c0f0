"""The care team's email about a safety alert: sent once, with no health data and a link
that opens the dashboard; a send the mail server refused, or a task the broker never ran,
is sent by the sweep, so an urgent alert never waits for someone to happen to look."""

import datetime
from smtplib import SMTPServerDisconnected

import pytest
import time_machine
from django.core import mail

from practice import services
from practice.models import SafetyAlert
from practice.tasks import safety_alert_notify, safety_alerts_notify_missed

pytestmark = pytest.mark.django_db

RAISED = datetime.datetime(2026, 11, 3, 17, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(RAISED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def alert(people, clock, django_capture_on_commit_callbacks, settings):
    """PHQ-9 item 9 answered 2: an urgent alert. Its email task is not run (as if the broker
    were down); the tests run it themselves."""
    settings.SITE_URL = "https://clinic.example"
    for staff, address in ((people.therapist, "bob@clinic.test"), (people.medical, "")):
        staff.user.email = address
        staff.user.save()
    with django_capture_on_commit_callbacks(execute=False):
        services.measure_record(
            patient=people.patient,
            instrument="phq9",
            answers=[1] * 8 + [2],
            entered_by=people.patient.user,
        )
    return SafetyAlert.objects.get()


def _down(**kwargs):
    raise SMTPServerDisconnected("Connection unexpectedly closed")


def test_the_care_team_is_emailed_once_with_a_link_and_no_health_data(people, alert):
    assert safety_alert_notify(alert.pk) == 1
    assert safety_alert_notify(alert.pk) == 0  # a second run sends nothing
    (email,) = mail.outbox
    assert email.to == ["bob@clinic.test"]  # the medical member has no address
    assert "https://clinic.example/today/" in email.body
    text = email.subject + email.body
    for secret in (people.patient.legal_first_name, people.patient.legal_last_name, "PHQ"):
        assert secret not in text
    alert.refresh_from_db()
    assert alert.notified_at == RAISED


def test_a_refused_send_gives_the_claim_back_and_the_sweep_sends_it(alert, clock, monkeypatch):
    monkeypatch.setattr("practice.tasks.send_mail", _down)
    with pytest.raises(SMTPServerDisconnected):
        safety_alert_notify(alert.pk)
    alert.refresh_from_db()
    assert alert.notified_at is None

    clock.shift(datetime.timedelta(minutes=3))
    assert safety_alerts_notify_missed() == 0  # still down: logged, tried on the next run
    monkeypatch.undo()
    assert safety_alerts_notify_missed() == 1
    assert safety_alerts_notify_missed() == 0
    assert len(mail.outbox) == 1


def test_the_sweep_waits_for_the_task_and_leaves_acknowledged_alerts(people, alert, clock):
    assert safety_alerts_notify_missed() == 0  # too young: its own task may still run
    clock.shift(datetime.timedelta(minutes=3))
    SafetyAlert.objects.filter(pk=alert.pk).update(
        acknowledged_at=RAISED + datetime.timedelta(minutes=1),
        acknowledged_by=people.therapist,
        acknowledgement_note="Called the patient; safe.",
    )
    assert safety_alerts_notify_missed() == 0
    assert mail.outbox == []


def test_the_sweep_is_on_the_schedule():
    from backend.celery import app
    from backend.schedules import BEAT_SCHEDULE

    entry = BEAT_SCHEDULE["safety-alert-emails-missed"]
    assert entry["task"] == "practice.tasks.safety_alerts_notify_missed"
    assert entry["task"] in app.tasks
