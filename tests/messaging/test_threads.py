"""Secure messaging's rules, through the services: who may write, what a message does
(read state, flags, notifications), and that a sent message never changes."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import DatabaseError, IntegrityError, connection, transaction

from messaging.choices import MessageKind, ReminderStatus
from messaging.errors import (
    FlagNotRaised,
    InvalidMessage,
    MessageImmutable,
    NotInThread,
    NotOnCareTeam,
)
from messaging.models import PatientMessaging, Reminder, Thread, ThreadMessage, ThreadRead
from messaging.selectors import thread_list, thread_unread_count
from messaging.selfharm import SELF_HARM_TERMS, matched_terms
from messaging.services.threads import (
    thread_clear_flag,
    thread_mark_read,
    thread_reply,
    thread_staff_emails,
    thread_start,
)

pytestmark = pytest.mark.django_db

# A Tuesday at 15:00 UTC: 08:00 in Denver is outside the default quiet hours (21:00–08:00).
NOON = datetime.datetime(2026, 11, 17, 18, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def start(people, body="When is my next session?", subject="A question"):
    return thread_start(
        author=people.patient.user, patient=people.patient, subject=subject, body=body
    )


# ---------------------------------------------------------------- the word list


@pytest.mark.parametrize(
    "text, terms",
    [
        ("I keep thinking about SUICIDE lately", ["suicide"]),
        ("Some days I want to\nkill   myself", ["kill myself"]),
        ("I don\u2019t want to live like this", ["don't want to live"]),
        (
            "I have been hurting myself again, and I thought about an overdose",
            ["hurting myself", "overdose"],
        ),
        ("Self-harm used to be a problem", ["self-harm"]),
        ("The session helped; my mood lifted", []),
        ("the skill myself", []),
        ("pseudosuicide is not a word", []),
    ],
)
def test_the_self_harm_words_match_whole_words_in_any_case(text, terms):
    assert matched_terms(text) == terms


def test_every_listed_term_matches_itself():
    for term in SELF_HARM_TERMS:
        assert term in matched_terms(f"I said: {term}."), term


# ---------------------------------------------------------------- who writes


def test_a_patient_starts_a_thread_to_their_care_team(people, clock):
    thread = start(people)
    assert thread.patient == people.patient and thread.clinic == people.clinic
    (message,) = thread.messages.all()
    assert message.author == people.patient.user
    assert message.author_staff is None and message.from_patient
    assert message.body == "When is my next session?"
    assert thread.last_message == message and thread.last_message_at == NOON


def test_any_care_team_member_answers_and_the_patient_sees_who(people, clock):
    thread = start(people)
    thread_reply(author=people.therapist.user, thread=thread, body="Thursday at 10.")
    thread_reply(author=people.medical.user, thread=thread, body="And bring your ride.")
    authors = [m.author_staff for m in thread.messages.order_by("id")]
    assert authors == [None, people.therapist, people.medical]


@pytest.mark.parametrize("who", ["other_patient", "outsider", "other_admin"])
def test_someone_not_in_the_thread_is_refused_as_not_found_and_nothing_changes(people, clock, who):
    thread = start(people)
    person = getattr(people, who)
    with pytest.raises(NotInThread) as refused:
        thread_reply(author=person.user, thread=thread, body="Hello")
    assert refused.value.status_code == 404
    assert ThreadMessage.objects.count() == 1
    assert not ThreadRead.objects.filter(user=person.user).exists()


def test_a_patient_cannot_start_a_thread_about_another_patient(people, clock):
    with pytest.raises(NotInThread):
        thread_start(
            author=people.patient.user,
            patient=people.other_patient,
            subject="Hi",
            body="Hello",
        )
    assert not Thread.objects.exists()


def test_an_admin_off_the_care_team_reads_but_does_not_answer(people, clock):
    thread = start(people)
    assert thread in thread_list(user=people.admin.user)
    with pytest.raises(NotOnCareTeam):
        thread_reply(author=people.admin.user, thread=thread, body="Hello")
    assert ThreadMessage.objects.count() == 1


def test_a_care_team_member_may_start_a_thread_with_the_patient(people, clock):
    thread = thread_start(
        author=people.therapist.user,
        patient=people.patient,
        subject="Check-in",
        body="How are you?",
    )
    assert thread.messages.get().author_staff == people.therapist


@pytest.mark.parametrize("body", ["", "   \n ", "x" * 5001])
def test_an_empty_or_overlong_message_is_refused_and_nothing_changes(people, clock, body):
    thread = start(people)
    with pytest.raises(InvalidMessage):
        thread_reply(author=people.therapist.user, thread=thread, body=body)
    assert ThreadMessage.objects.count() == 1


def test_a_thread_needs_a_subject(people, clock):
    with pytest.raises(InvalidMessage):
        start(people, subject="  ")
    assert not Thread.objects.exists()


# ---------------------------------------------------------------- read state


def test_unread_counts_follow_who_has_read_what(people, clock):
    thread = start(people)
    # The author has read their own message; the care team has not.
    assert thread_unread_count(user=people.patient.user) == 0
    assert thread_unread_count(user=people.therapist.user) == 1
    assert thread_unread_count(user=people.medical.user) == 1
    assert thread_unread_count(user=people.outsider.user) == 0
    thread_mark_read(user=people.therapist.user, thread=thread)
    assert thread_unread_count(user=people.therapist.user) == 0
    assert thread_unread_count(user=people.medical.user) == 1
    thread_reply(author=people.therapist.user, thread=thread, body="Thursday at 10.")
    assert thread_unread_count(user=people.patient.user) == 1
    assert thread_unread_count(user=people.therapist.user) == 0
    # A new message makes it unread again for the medic, who never opened it.
    assert thread_unread_count(user=people.medical.user) == 1


def test_reading_never_moves_backwards(people, clock):
    thread = start(people)
    thread_reply(author=people.therapist.user, thread=thread, body="Thursday.")
    read = thread_mark_read(user=people.patient.user, thread=thread)
    newest = read.last_read_message_id
    thread.last_message = thread.messages.order_by("id").first()
    thread_mark_read(user=people.patient.user, thread=thread)
    assert ThreadRead.objects.get(user=people.patient.user).last_read_message_id == newest


def test_the_inbox_puts_flagged_threads_first_then_unread_then_newest(people, clock):
    old_unread = start(people, subject="Old unread")
    clock.shift(datetime.timedelta(minutes=5))
    flagged = start(people, subject="Flagged", body="I want to end my life")
    clock.shift(datetime.timedelta(minutes=5))
    read = start(people, subject="Newest, read")
    thread_mark_read(user=people.therapist.user, thread=read)
    clock.shift(datetime.timedelta(minutes=5))
    thread_mark_read(user=people.therapist.user, thread=flagged)
    order = [t.subject for t in thread_list(user=people.therapist.user)]
    assert order == [flagged.subject, old_unread.subject, read.subject]


# ---------------------------------------------------------------- flags


def test_a_patient_message_with_self_harm_words_flags_the_thread(people, clock):
    thread = start(people, body="Honestly I have thought about suicide this week")
    message = thread.messages.get()
    assert message.flagged and message.matched_terms == ["suicide"]
    thread.refresh_from_db()
    assert thread.flagged and thread.flagged_at == NOON


def test_a_care_team_answer_is_never_flagged(people, clock):
    thread = start(people)
    message = thread_reply(
        author=people.therapist.user, thread=thread, body="If you think of suicide, call 988."
    )
    assert not message.flagged
    thread.refresh_from_db()
    assert not thread.flagged


def test_staff_clear_a_flag_with_a_note_and_the_clearing_is_kept(people, clock):
    thread = start(people, body="I want to hurt myself")
    cleared = thread_clear_flag(
        user=people.medical.user, thread=thread, note="Called; safety plan reviewed."
    )
    assert not cleared.flagged
    assert cleared.flag_cleared_by == people.medical.user
    assert cleared.flag_cleared_note == "Called; safety plan reviewed."
    # The message keeps what it matched; a later message raises the flag again.
    assert thread.messages.get().flagged
    clock.shift(datetime.timedelta(hours=1))
    thread_reply(author=people.patient.user, thread=thread, body="Still want to die")
    thread.refresh_from_db()
    assert thread.flagged and thread.flagged_at > thread.flag_cleared_at


def test_clearing_needs_a_note_a_raised_flag_and_a_staff_member(people, clock):
    thread = start(people, body="overdose")
    with pytest.raises(InvalidMessage):
        thread_clear_flag(user=people.therapist.user, thread=thread, note="  ")
    with pytest.raises(NotInThread):
        thread_clear_flag(user=people.patient.user, thread=thread, note="fine")
    thread_clear_flag(user=people.admin.user, thread=thread, note="Called.")
    with pytest.raises(FlagNotRaised):
        thread_clear_flag(user=people.admin.user, thread=thread, note="Again.")


# ---------------------------------------------------------------- immutability


def test_a_sent_message_cannot_be_changed_through_the_model(people, clock):
    message = start(people).messages.get()
    message.body = "Something else"
    with pytest.raises(MessageImmutable):
        message.save()


def test_the_database_refuses_to_change_a_sent_message(people, clock):
    message = start(people).messages.get()
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        ThreadMessage.objects.filter(pk=message.pk).update(flagged=True)
    assert ThreadMessage.objects.get(pk=message.pk).flagged is False


def test_postgresql_refuses_to_delete_a_sent_message(people, clock):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps DELETE possible for the test flush")
    message = start(people).messages.get()
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        ThreadMessage.objects.filter(pk=message.pk).delete()
    assert ThreadMessage.objects.filter(pk=message.pk).exists()


def test_the_body_is_encrypted_at_rest(people, clock):
    message = start(people, body="my private words").messages.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM messaging_threadmessage WHERE id = %s", [message.pk])
        (stored,) = cursor.fetchone()
    assert "private" not in stored and stored.startswith("gAAAA")


# ---------------------------------------------------------------- notifications


def test_a_care_team_answer_tells_the_patient_only_that_a_message_waits(people, clock):
    thread = start(people)
    thread_reply(author=people.therapist.user, thread=thread, body="Your dose is changing.")
    (row,) = Reminder.objects.filter(kind=MessageKind.SECURE_MESSAGE)
    assert row.patient == people.patient and row.status == ReminderStatus.PENDING
    assert row.subject == f"You have a new message from {people.clinic.name}"
    text = row.subject + row.body_text + row.body_html
    assert "Sign in to read it" in row.body_text
    assert "dose" not in text and "Your dose is changing" not in text


def test_the_patient_notification_waits_for_the_end_of_quiet_hours(people):
    PatientMessaging.objects.create(
        patient=people.patient,
        quiet_hours_start=datetime.time(21, 0),
        quiet_hours_end=datetime.time(8, 0),
    )
    late = datetime.datetime(2026, 11, 18, 5, 0, tzinfo=datetime.UTC)  # 22:00 in Denver
    with time_machine.travel(late, tick=False):
        thread = start(people)
        thread_reply(author=people.therapist.user, thread=thread, body="Answer")
    row = Reminder.objects.get(kind=MessageKind.SECURE_MESSAGE)
    assert people.clinic.local(row.send_at).time() == datetime.time(8, 0)


def test_a_patient_who_opted_out_gets_no_notification(people, clock):
    from messaging.models import MessagePreference

    MessagePreference.objects.create(
        patient=people.patient, kind=MessageKind.SECURE_MESSAGE, channel="none"
    )
    thread = start(people)
    thread_reply(author=people.therapist.user, thread=thread, body="Answer")
    assert not Reminder.objects.filter(kind=MessageKind.SECURE_MESSAGE).exists()


def test_a_patient_message_emails_the_care_team_once_without_name_or_content(people, clock):
    people.therapist.user.email = "bob@clinic.test"
    people.therapist.user.save()
    people.medical.user.email = "dana@clinic.test"
    people.medical.user.save()
    thread = start(people, body="I want to end my life")
    message = thread.messages.get()
    assert thread_staff_emails(message_id=message.pk) == 2
    assert thread_staff_emails(message_id=message.pk) == 0  # a second run sends nothing
    (email,) = mail.outbox
    assert sorted(email.to) == ["bob@clinic.test", "dana@clinic.test"]
    text = email.subject + email.body
    assert "/inbox/" in text and "flagged" in text
    for secret in ("Erin", "Patient", "end my life", thread.subject):
        assert secret not in text


def test_a_care_team_answer_emails_no_one(people, clock):
    thread = start(people)
    message = thread_reply(author=people.therapist.user, thread=thread, body="Answer")
    assert thread_staff_emails(message_id=message.pk) == 0
    assert mail.outbox == []


def test_a_care_team_email_the_broker_missed_goes_out_with_the_sweep_once(people, clock):
    from messaging.services.threads import thread_staff_emails_missed

    people.therapist.user.email = "bob@clinic.test"
    people.therapist.user.save()
    # The patient writes twice while the broker is down: no task ran for either message.
    thread = start(people)
    thread_reply(author=people.patient.user, thread=thread, body="And one more thing")
    assert thread_staff_emails_missed() == 0  # too young: its own task may still run
    clock.shift(datetime.timedelta(minutes=3))

    sent = thread_staff_emails_missed()
    assert thread_staff_emails_missed() == 0
    (email,) = mail.outbox  # one email covers both messages
    assert sent == len(email.to) and "bob@clinic.test" in email.to
    assert "A question" not in email.subject + email.body
    thread.refresh_from_db()
    assert thread.staff_notified_message_id == thread.messages.latest("id").pk


def test_a_flagged_message_whose_email_failed_is_emailed_by_the_next_sweep(
    people, clock, monkeypatch
):
    from smtplib import SMTPServerDisconnected

    from messaging.services.threads import thread_staff_emails_missed

    people.therapist.user.email = "bob@clinic.test"
    people.therapist.user.save()
    thread = start(people, body="I want to end my life")
    message = thread.messages.get()

    def mail_server_down(**kwargs):
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.send_mail", mail_server_down)
    with pytest.raises(SMTPServerDisconnected):
        thread_staff_emails(message_id=message.pk)
    thread.refresh_from_db()
    assert thread.staff_notified_message_id == 0  # the claim was given back
    clock.shift(datetime.timedelta(minutes=3))
    assert thread_staff_emails_missed() == 0  # still down: logged, tried again next run

    monkeypatch.undo()
    sent = thread_staff_emails_missed()
    (email,) = mail.outbox
    assert sent == len(email.to) and "bob@clinic.test" in email.to
    assert "flagged" in email.body
    assert thread_staff_emails_missed() == 0


def test_the_sweep_leaves_threads_already_emailed_or_answered_only_by_staff(people, clock):
    from messaging.services.threads import thread_staff_emails_missed

    people.therapist.user.email = "bob@clinic.test"
    people.therapist.user.save()
    emailed = start(people)
    thread_staff_emails(message_id=emailed.messages.get().pk)  # its task ran
    staff_only = thread_start(
        author=people.therapist.user, patient=people.patient, subject="Check-in", body="Hello"
    )
    clock.shift(datetime.timedelta(minutes=3))
    mail.outbox.clear()

    assert thread_staff_emails_missed() == 0
    assert mail.outbox == [] and staff_only.messages.count() == 1
