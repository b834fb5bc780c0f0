"""Planning a session's reminders reads the patient's and the clinic's message settings
once per plan, not once per reminder kind and channel, and what it plans is unchanged: the
patient's channel choices, their own quiet hours and the clinic's edited template."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from messaging.models import MessagePreference, MessageTemplate, PatientMessaging, Reminder
from messaging.services import outbox
from scheduling.services.reminders import session_reminders_sync
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

DENVER = ZoneInfo("America/Denver")
NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=DENVER)
STARTS = datetime.datetime(2026, 12, 5, 10, 0, tzinfo=DENVER)

# A dosing session with SMS consent: four kinds, seven rows (see the test below). Reading
# the settings once per plan: the rules, the clinic's and the patient's settings, the
# patient's choices, the clinic's templates, the clinical and scheduling settings, then
# per kind a lock of its rows and per row an insert (with their savepoints). Before, the
# plan read the preference, the patient's settings (twice), the clinical and scheduling
# settings and a template once per kind and checked three foreign keys per row: 72. Then
# 28, with a savepoint around the plan and around each kind queued (each two queries): the
# plan and the queueing now run in the caller's transaction without savepoints of their own.
# 18: the rules, the clinic's quiet hours, the patient's settings, the clinical settings,
# the scheduling policy, the patient's choices, the clinic's templates (once), then per
# kind a lock of its rows (4) and per row an insert (7).
PLAN_QUERIES = 18


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(outbox.publishing, "publish", lambda ids, queue=None: len(ids))


def test_a_dosing_sessions_reminders_read_the_settings_once(people, django_assert_num_queries):
    patient = people.patient
    PatientMessaging.objects.create(
        patient=patient,
        sms_consent_at=timezone.now(),
        quiet_hours_start=datetime.time(22, 0),
        quiet_hours_end=datetime.time(6, 0),
    )
    MessagePreference.objects.create(patient=patient, kind="session_48h", channel="both")
    MessagePreference.objects.create(patient=patient, kind="integration_followup", channel="sms")
    MessageTemplate.objects.create(
        clinic=people.clinic,
        kind="session_2h",
        email_subject="Soon: {{ session_date }}",
        email_text="See you at {{ session_time }}. {{ response_url }}",
        sms_text="Soon, {{ patient_name }}",
    )
    with time_machine.travel(NOW, tick=False):
        session = SessionFactory(
            patient=patient,
            clinician=people.therapist,
            kind="dosing",
            starts_at=STARTS,
            ends_at=STARTS + datetime.timedelta(hours=2),
        )
        session = type(session).objects.select_related("patient__clinic").get(pk=session.pk)
        with django_assert_num_queries(PLAN_QUERIES):
            session_reminders_sync(session=session)

    found = {(r.kind, r.channel): r for r in Reminder.objects.filter(session=session)}
    assert set(found) == {
        ("session_48h", "email"),
        ("session_48h", "sms"),
        ("session_2h", "email"),
        ("session_2h", "sms"),
        ("dosing_preparation", "email"),
        ("dosing_preparation", "sms"),
        ("integration_followup", "sms"),
    }
    # The clinic's template, the link of the linked kinds only, the patient's quiet hours.
    two_hours = found[("session_2h", "email")]
    assert two_hours.subject == "Soon: Saturday, December 5"
    assert two_hours.body_text.startswith("See you at 10:00 AM MST. http://")
    assert "/r/" in two_hours.body_text
    assert found[("session_2h", "sms")].body_text == "Soon, Erin"
    assert "/r/" not in found[("dosing_preparation", "email")].body_text
    assert found[("integration_followup", "sms")].send_at == STARTS + datetime.timedelta(hours=26)
    # 48 h before 10:00 is 10:00 on the 3rd, outside 22:00–06:00: unmoved.
    assert found[("session_48h", "email")].send_at == STARTS - datetime.timedelta(hours=48)
