"""Session reminders: created on booking, re-timed on reschedule, cancelled on cancel,
never in quiet hours, none for an opted-out kind, sent once however often the task runs."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from messaging import sms
from messaging.choices import MessageKind, ReminderStatus
from messaging.models import MessagePreference, PatientMessaging, Reminder, ReminderRule
from messaging.services import outbox
from messaging.tasks import reminder_send
from scheduling.services.reminders import session_reminders_sync
from tests.factories import SessionFactory

DENVER = ZoneInfo("America/Denver")
NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=DENVER)  # a Tuesday noon, clinic time


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Unit tests never publish: record what would have been published instead."""
    published = []
    monkeypatch.setattr(
        outbox.publishing, "publish", lambda ids, queue=None: published.extend(ids) or len(ids)
    )
    return published


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=DENVER)


def book(people, *, kind="dosing", starts_at=None, **extra):
    starts_at = starts_at or at(5, 10)
    session = SessionFactory(
        patient=people.patient,
        clinician=people.therapist,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        **extra,
    )
    session_reminders_sync(session=session)
    return session


def rows(session):
    return {(r.kind, r.channel): r for r in Reminder.objects.filter(session=session).order_by("id")}


def consent_to_sms(patient):
    PatientMessaging.objects.update_or_create(
        patient=patient, defaults={"sms_consent_at": timezone.now()}
    )


def test_booking_a_dosing_session_creates_one_row_per_rule_and_channel(people, frozen):
    consent_to_sms(people.patient)
    session = book(people)
    found = rows(session)
    assert set(found) == {
        ("session_48h", "email"),
        ("session_2h", "email"),
        ("session_2h", "sms"),
        ("dosing_preparation", "email"),
        ("dosing_preparation", "sms"),
        ("integration_followup", "email"),
    }
    assert found[("session_48h", "email")].send_at == at(3, 10)
    assert found[("session_2h", "sms")].send_at == at(5, 8)
    assert found[("dosing_preparation", "email")].send_at == at(4, 10)
    assert found[("integration_followup", "email")].send_at == at(6, 12)
    assert all(r.status == "pending" for r in found.values())


def test_reminders_say_appointment_unless_the_patient_agreed_to_name_the_session(people, frozen):
    session = book(people)
    email = rows(session)[("session_48h", "email")]
    assert "appointment" in email.subject
    assert "dosing" not in email.subject + email.body_text + email.body_html
    assert "/r/" in email.body_text and "Thursday, December 3" not in email.body_text
    assert "Saturday, December 5 at 10:00 AM MST" in email.body_text

    PatientMessaging.objects.update_or_create(
        patient=people.patient, defaults={"share_session_type": True}
    )
    session_reminders_sync(session=session)
    assert "dosing session" in rows(session)[("session_48h", "email")].subject


def test_without_sms_consent_no_text_message_is_created(people, frozen):
    session = book(people)
    assert {c for _, c in rows(session)} == {"email"}


def test_an_integration_session_gets_only_the_two_session_reminders(people, frozen):
    session = book(people, kind="integration")
    assert {k for k, _ in rows(session)} == {"session_48h", "session_2h"}


def test_reschedule_moves_unsent_reminders_and_leaves_sent_ones(people, frozen):
    session = book(people)
    sent = rows(session)[("session_48h", "email")]
    Reminder.objects.filter(pk=sent.pk).update(status="sent", sent_at=timezone.now())

    session.starts_at, session.ends_at = at(8, 14), at(8, 16)
    session.save()
    session_reminders_sync(session=session)

    found = rows(session)
    assert len(found) == 4  # no new rows: one per target, kind and channel
    assert found[("session_2h", "email")].send_at == at(8, 12)
    assert "Tuesday, December 8 at 2:00 PM" in found[("session_2h", "email")].body_text
    assert found[("dosing_preparation", "email")].send_at == at(7, 14)
    assert found[("session_48h", "email")].status == "sent"
    assert found[("session_48h", "email")].send_at == at(3, 10)


def test_cancel_cancels_unsent_reminders_only(people, frozen):
    session = book(people)
    sent = rows(session)[("session_48h", "email")]
    Reminder.objects.filter(pk=sent.pk).update(status="sent", sent_at=timezone.now())

    session.status = "cancelled"
    session.save()
    session_reminders_sync(session=session)

    statuses = {k: r.status for k, r in rows(session).items()}
    assert statuses == {
        ("session_48h", "email"): "sent",
        ("session_2h", "email"): "cancelled",
        ("dosing_preparation", "email"): "cancelled",
        ("integration_followup", "email"): "cancelled",
    }


def test_booking_again_after_a_cancel_revives_the_rows(people, frozen):
    session = book(people)
    session.status = "cancelled"
    session.save()
    session_reminders_sync(session=session)
    session.status = "scheduled"
    session.save()
    session_reminders_sync(session=session)
    assert {r.status for r in rows(session).values()} == {"pending"}


def test_an_opted_out_kind_creates_no_reminder(people, frozen):
    MessagePreference.objects.create(patient=people.patient, kind="session_48h", channel="none")
    session = book(people)
    assert ("session_48h", "email") not in rows(session)
    assert ("session_2h", "email") in rows(session)


def test_a_reminder_is_never_timed_into_quiet_hours(people, frozen):
    # 2 h before a 9:00 session is 7:00, inside 21:00–08:00: it goes the evening before.
    session = book(people, kind="integration", starts_at=at(5, 9))
    assert rows(session)[("session_2h", "email")].send_at == at(4, 20, 59)


def test_quiet_hours_are_the_patients_own_when_set(people, frozen):
    PatientMessaging.objects.create(
        patient=people.patient,
        quiet_hours_start=datetime.time(22, 0),
        quiet_hours_end=datetime.time(6, 0),
    )
    session = book(people, kind="integration", starts_at=at(5, 9))
    assert rows(session)[("session_2h", "email")].send_at == at(5, 7)


def test_a_due_message_waits_out_quiet_hours_at_send_time(people, frozen):
    session = book(people, kind="integration", starts_at=at(10, 15))
    reminder = rows(session)[("session_48h", "email")]
    # The worker only reaches it at 23:30 (e.g. after an outage): it waits until 08:00.
    with time_machine.travel(at(8, 23, 30), tick=False):
        assert reminder_send(reminder.pk) == "deferred"
    reminder.refresh_from_db()
    assert reminder.status == "pending" and reminder.send_at == at(9, 8)
    assert mail.outbox == []


def test_a_clinic_rule_overrides_the_default_offset_or_disables_it(people, frozen):
    ReminderRule.objects.create(clinic=people.clinic, kind="session_48h", offset_minutes=-72 * 60)
    ReminderRule.objects.create(
        clinic=people.clinic, kind="integration_followup", offset_minutes=1440, enabled=False
    )
    session = book(people)
    assert rows(session)[("session_48h", "email")].send_at == at(2, 10)
    assert ("integration_followup", "email") not in rows(session)


def test_booked_late_the_latest_passed_reminder_goes_out_now(people, frozen):
    session = book(people, kind="integration", starts_at=at(1, 13))  # in one hour
    found = rows(session)
    assert set(found) == {("session_2h", "email")}
    assert found[("session_2h", "email")].send_at == NOW


def test_calling_the_send_task_twice_sends_once(people, frozen):
    session = book(people, kind="integration", starts_at=at(1, 13))
    reminder = rows(session)[("session_2h", "email")]
    assert reminder_send(reminder.pk) == "sent"
    assert reminder_send(reminder.pk) == "noop"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [people.patient.email]
    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.attempts == 1 and reminder.sent_at == NOW


def test_a_reminder_not_due_yet_is_not_sent(people, frozen):
    session = book(people)
    reminder = rows(session)[("session_48h", "email")]
    assert reminder_send(reminder.pk) == "noop"
    assert mail.outbox == []


def test_sms_goes_through_the_configured_backend(people, frozen, settings):
    settings.SMS_BACKEND = "messaging.sms.LocmemSmsBackend"
    sms.outbox.clear()
    consent_to_sms(people.patient)
    session = book(people, kind="integration", starts_at=at(1, 13))
    reminder = rows(session)[("session_2h", "sms")]
    assert reminder_send(reminder.pk) == "sent"
    assert len(sms.outbox) == 1
    assert sms.outbox[0]["to"] == "+13035550177"
    assert "/r/" in sms.outbox[0]["body"]


def test_transient_errors_are_retried_with_backoff_then_fail(people, frozen, settings):
    settings.EMAIL_BACKEND = "tests.messaging.backends.BrokenSmtpBackend"
    settings.REMINDER_MAX_ATTEMPTS = 3
    session = book(people, kind="integration", starts_at=at(2, 13))
    reminder = rows(session)[("session_48h", "email")]
    assert reminder_send(reminder.pk) == "retry"
    reminder.refresh_from_db()
    assert reminder.status == "pending" and reminder.attempts == 1
    assert reminder.send_at == NOW + datetime.timedelta(minutes=1)
    assert "Connection refused" in reminder.last_error
    assert reminder_send(reminder.pk) == "noop"  # not due again yet

    frozen.move_to(NOW + datetime.timedelta(minutes=1))
    assert reminder_send(reminder.pk) == "retry"
    reminder.refresh_from_db()
    assert reminder.send_at == NOW + datetime.timedelta(minutes=6)
    frozen.move_to(NOW + datetime.timedelta(minutes=6))
    assert reminder_send(reminder.pk) == "failed"
    reminder.refresh_from_db()
    assert reminder.status == "failed" and reminder.attempts == 3
    assert reminder.last_error.startswith("Gave up after 3 attempts")


def test_a_failed_reminder_can_be_resent_but_a_sent_one_cannot(people, frozen):
    people.patient.email = ""
    people.patient.save()
    session = book(people, kind="integration", starts_at=at(1, 13))
    assert rows(session) == {}  # no address: nothing to send to

    people.patient.email = "erin@example.com"
    people.patient.save()
    session_reminders_sync(session=session)
    reminder = rows(session)[("session_2h", "email")]
    people.patient.email = ""
    people.patient.save()
    assert reminder_send(reminder.pk) == "failed"
    reminder.refresh_from_db()
    assert reminder.last_error == "The patient has no email address on file."

    people.patient.email = "erin@example.com"
    people.patient.save()
    outbox.reminder_resend(reminder=reminder)
    assert reminder_send(reminder.pk) == "sent"
    with pytest.raises(outbox.ReminderNotResendable, match="this one is sent"):
        outbox.reminder_resend(reminder=reminder)
    assert len(mail.outbox) == 1


def test_a_reminder_of_a_cancelled_session_is_not_sent(people, frozen):
    session = book(people, kind="integration", starts_at=at(1, 13))
    reminder = rows(session)[("session_2h", "email")]
    # The session is cancelled behind the outbox's back (no sync): the send still refuses.
    type(session).objects.filter(pk=session.pk).update(status="cancelled")
    assert reminder_send(reminder.pk) == "skipped"
    assert mail.outbox == []


def test_the_sweep_claims_due_rows_once_until_the_lease_runs_out(people, frozen, settings):
    session = book(people, kind="integration", starts_at=at(1, 13))
    due = rows(session)[("session_2h", "email")]
    later = book(people, kind="integration", starts_at=at(9, 13))
    assert outbox.reminders_claim_due() == [due.pk]
    assert outbox.reminders_claim_due() == []  # a second sweep (second beat) skips it
    frozen.move_to(NOW + datetime.timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS + 1))
    assert outbox.reminders_claim_due() == [due.pk]
    assert all(r.status == "pending" for r in rows(later).values())


def test_the_sweep_hands_out_again_a_send_whose_worker_died(people, frozen, settings):
    session = book(people, kind="integration", starts_at=at(1, 13))
    reminder = rows(session)[("session_2h", "email")]
    # A worker took the row and died before sending: the row is stuck in `sending`.
    Reminder.objects.filter(pk=reminder.pk).update(
        status="sending", attempts=1, lease_until=timezone.now() + datetime.timedelta(seconds=5)
    )
    assert outbox.reminders_claim_due() == []  # its lease still runs
    assert reminder_send(reminder.pk) == "noop"  # a redelivered task leaves it alone
    frozen.move_to(NOW + datetime.timedelta(seconds=6))
    assert outbox.reminders_claim_due() == [reminder.pk]
    assert reminder_send(reminder.pk) == "sent"
    reminder.refresh_from_db()
    assert reminder.attempts == 2
    assert len(mail.outbox) == 1


def test_enqueue_publishes_rows_due_now_on_commit(
    people, frozen, _no_broker, django_capture_on_commit_callbacks, settings
):
    settings.REMINDER_PUBLISH_ON_COMMIT = True
    with django_capture_on_commit_callbacks(execute=True):
        due = outbox.message_enqueue(
            patient=people.patient,
            kind=MessageKind.SUPERBILL_ISSUED,
            target_type="superbill",
            target_id=7,
            context={"superbill_period": "November 2026"},
        )
        outbox.message_enqueue(
            patient=people.patient,
            kind=MessageKind.WAITLIST_PROMOTION,
            target_type="enrollment",
            target_id=3,
            send_at=NOW + datetime.timedelta(hours=1),
        )
        assert _no_broker == []  # nothing is published before the commit
    assert _no_broker == [due[0].pk]
    assert due[0].subject == "Your superbill is ready"
    assert "for November 2026" in due[0].body_text


def test_enqueue_is_unique_per_target_kind_and_channel(people, frozen):
    for _ in range(2):
        outbox.message_enqueue(
            patient=people.patient,
            kind=MessageKind.SUPERBILL_ISSUED,
            target_type="superbill",
            target_id=7,
        )
    assert Reminder.objects.filter(target_type="superbill").count() == 1


def test_a_clinic_template_replaces_the_built_in_text(people, frozen):
    from messaging.models import MessageTemplate

    MessageTemplate.objects.create(
        clinic=people.clinic,
        kind="superbill_issued",
        email_subject="Receipt for {{ patient_name }}",
        email_text="Hi {{ patient_name }} <3, see {{ portal_url }}",
        sms_text="x",
    )
    [row] = outbox.message_enqueue(
        patient=people.patient, kind="superbill_issued", target_type="superbill", target_id=1
    )
    assert row.subject == "Receipt for Erin"
    assert row.body_text == "Hi Erin <3, see http://127.0.0.1:8000/portal/"
    assert row.body_html == ""


def test_questionnaire_invitations_go_once_a_week_to_patients_in_induction(people, frozen):
    from messaging.services.questionnaires import questionnaire_invitations_enqueue
    from tests.factories import TreatmentPlanFactory

    TreatmentPlanFactory(patient=people.patient, status="active")
    TreatmentPlanFactory(patient=people.other_patient, status="maintenance")
    assert questionnaire_invitations_enqueue() == 1
    assert questionnaire_invitations_enqueue() == 1  # same week: the same row, re-timed
    assert Reminder.objects.filter(kind="questionnaire_invitation").count() == 1
    frozen.move_to(NOW + datetime.timedelta(days=7))
    questionnaire_invitations_enqueue()
    assert Reminder.objects.filter(kind="questionnaire_invitation").count() == 2
    assert Reminder.objects.first().status == ReminderStatus.PENDING


def test_a_patient_who_opts_out_while_the_invitations_sweep_runs_is_not_invited(
    people, frozen, monkeypatch
):
    from messaging.services.preferences import messaging_preferences_update
    from messaging.services.questionnaires import questionnaire_invitations_enqueue
    from tests.factories import TreatmentPlanFactory

    TreatmentPlanFactory(patient=people.patient, status="active")
    render = outbox.queueing.render_message
    opted_out = []

    def opt_out_then_render(**kwargs):
        # The sweep has read the patient's channel; they opt out before its row is written.
        if not opted_out:
            opted_out.append(
                messaging_preferences_update(
                    patient=people.patient,
                    channels={MessageKind.QUESTIONNAIRE_INVITATION: "none"},
                    sms_consent=False,
                    share_session_type=False,
                )
            )
        return render(**kwargs)

    monkeypatch.setattr(outbox.queueing, "render_message", opt_out_then_render)
    questionnaire_invitations_enqueue()
    assert opted_out
    for invitation in Reminder.objects.filter(kind=MessageKind.QUESTIONNAIRE_INVITATION):
        assert reminder_send(invitation.pk) in ("skipped", "noop")
        invitation.refresh_from_db()
        assert invitation.status != ReminderStatus.SENT
    assert mail.outbox == []


def test_booked_a_day_ahead_the_passed_48h_reminder_goes_out_now(people, frozen):
    session = book(people, kind="integration", starts_at=at(2, 15))  # in 27 hours
    found = rows(session)
    assert found[("session_48h", "email")].send_at == NOW
    assert found[("session_2h", "email")].send_at == at(2, 13)


def test_booked_a_few_hours_ahead_only_the_2h_reminder_goes(people, frozen):
    session = book(people, kind="integration", starts_at=at(1, 18))  # in 6 hours
    assert set(rows(session)) == {("session_2h", "email")}


def test_an_enrolled_patient_gets_the_retreat_welcome_a_week_ahead_with_the_timetable(
    people, frozen
):
    from scheduling.models import Enrollment, RetreatTemplateItem
    from scheduling.services.reminders import enrollment_reminders_sync, retreat_welcomes_enqueue
    from tests.factories import RetreatFactory

    retreat = RetreatFactory(
        clinic=people.clinic,
        name="Winter intensive",
        starts_on=datetime.date(2026, 12, 9),
        ends_on=datetime.date(2026, 12, 11),
    )
    RetreatTemplateItem.objects.create(
        retreat=retreat,
        day=1,
        kind="preparation",
        start_time=datetime.time(9, 30),
        duration_minutes=90,
        title="Opening circle",
    )
    enrolled = Enrollment.objects.create(
        clinic=people.clinic, retreat=retreat, patient=people.patient, status="enrolled"
    )
    Enrollment.objects.create(
        clinic=people.clinic,
        retreat=retreat,
        patient=people.other_patient,
        status="waitlisted",
        position=1,
    )
    assert retreat_welcomes_enqueue() == 1
    [welcome] = Reminder.objects.filter(kind="retreat_welcome")
    assert welcome.patient == people.patient and welcome.target_id == str(enrolled.pk)
    assert welcome.send_at == at(2, 9)  # a week before 9:00 on the first day
    assert "Winter intensive" in welcome.subject
    assert "Day 1, 09:30 – Opening circle" in welcome.body_text

    enrolled.status = "cancelled"
    enrolled.save()
    enrollment_reminders_sync(enrollment=enrolled)
    welcome.refresh_from_db()
    assert welcome.status == "cancelled"


def _queued_welcome(people):
    """The patient enrolled in a retreat in December, with its welcome queued."""
    from scheduling.models import Enrollment
    from scheduling.services.reminders import enrollment_reminders_sync
    from tests.factories import RetreatFactory

    retreat = RetreatFactory(
        clinic=people.clinic,
        starts_on=datetime.date(2026, 12, 5),
        ends_on=datetime.date(2026, 12, 7),
    )
    enrollment = Enrollment.objects.create(
        clinic=people.clinic, retreat=retreat, patient=people.patient, status="enrolled"
    )
    enrollment_reminders_sync(enrollment=enrollment)
    [welcome] = Reminder.objects.filter(kind="retreat_welcome")
    return enrollment, welcome


def test_a_retreat_welcome_of_a_cancelled_enrollment_is_not_sent(people, frozen):
    from scheduling.models import Enrollment

    enrollment, welcome = _queued_welcome(people)
    # The place is cancelled behind the outbox's back (no sync): the send still refuses.
    Enrollment.objects.filter(pk=enrollment.pk).update(status="cancelled")
    assert reminder_send(welcome.pk) == "skipped"
    assert mail.outbox == []
    welcome.refresh_from_db()
    assert welcome.last_error == "The patient is no longer enrolled in the retreat."


def test_a_retreat_welcome_of_an_enrolled_patient_is_sent(people, frozen):
    _, welcome = _queued_welcome(people)
    assert reminder_send(welcome.pk) == "sent"
    assert len(mail.outbox) == 1


def test_every_message_kind_renders_on_both_channels(people, frozen):
    consent_to_sms(people.patient)
    for kind in MessageKind.values:
        MessagePreference.objects.create(patient=people.patient, kind=kind, channel="both")
        rows_ = outbox.message_enqueue(
            patient=people.patient, kind=kind, target_type="check", target_id=kind
        )
        assert {r.channel for r in rows_} == {"email", "sms"}, kind
        for row in rows_:
            assert row.body_text and "{{" not in row.body_text, kind
            assert "Clearwater Ketamine Clinic" in row.body_text, kind
            assert len(row.body_text) <= 480 or row.channel == "email", kind


def test_the_preparation_message_says_the_fasting_time_the_dosing_gate_checks(people, frozen):
    # One fasting setting: the clinic raised the gate to 6 h, so patients are told 6 h.
    from practice.services.clinical_settings import clinical_settings_update

    clinical_settings_update(clinic=people.clinic, by=people.admin, fasting_hours=6)
    consent_to_sms(people.patient)
    preparation = rows(book(people))
    email = preparation[(MessageKind.DOSING_PREPARATION, "email")]
    text = preparation[(MessageKind.DOSING_PREPARATION, "sms")]
    assert "do not eat for 6 hours" in email.body_text
    assert "<strong>6 hours</strong>" in email.body_html
    assert "no food 6h before" in text.body_text
    assert "4 hours" not in email.body_text and "4h" not in text.body_text
