"""Secure messaging: threads between a patient and their care team.

Who writes: the thread's patient, and the active staff members on the patient's care team.
Clinic admins read every thread of their clinic and clear flags but do not answer unless
they are on the care team. Anyone else is refused as if the thread did not exist
(`NotInThread`, 404), and nothing is changed.

What a message does, in its one transaction:
- it is stored with its author (the patient, or the staff member the patient will see),
  its body encrypted at rest; it is never changed afterwards (the model and, on PostgreSQL,
  a trigger refuse);
- a patient message that contains the words of self-harm (`messaging.selfharm`) is flagged
  and raises the thread's flag, which puts it at the top of the care team's inbox;
- the author has read the thread up to their own message;
- a care-team message queues a `secure_message` notification to the patient through the
  outbox (their channel choice and quiet hours apply; it says only that a message is
  waiting); a patient message emails the care team, after commit, that a patient on their
  care team wrote (no name, no content). If the broker was down then, the five-minute
  sweep (`thread_staff_emails_missed`) sends it: the email is late, never lost.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from backend.errors import full_clean_or_refuse
from backend.roles import actor_for
from messaging.choices import MessageKind
from messaging.errors import FlagNotRaised, InvalidMessage, NotInThread, NotOnCareTeam
from messaging.models import Thread, ThreadMessage, ThreadRead
from messaging.selfharm import matched_terms
from messaging.services.outbox import QuietHours, message_enqueue
from practice.models import CareTeam, Patient, StaffMember

MAX_BODY = 5000
NOT_FOUND = "No thread found."

log = logging.getLogger(__name__)


def _author_staff(*, user, patient: Patient) -> StaffMember | None:
    """The staff member `user` writes as (None: the patient themself). Refuses anyone who is
    neither the patient nor an active member of their care team."""
    actor = actor_for(user)
    if actor is None or actor.clinic_id != patient.clinic_id:
        raise NotInThread(NOT_FOUND)
    if actor.is_patient:
        if actor.patient_id != patient.pk:
            raise NotInThread(NOT_FOUND)
        return None
    on_team = CareTeam.objects.filter(patient=patient, staff_id=actor.staff_id).exists()
    if not on_team:
        if actor.is_admin:
            # The admin may read the thread, so saying it does not exist would be false.
            raise NotOnCareTeam("Only the patient's care team can write in this thread.")
        raise NotInThread(NOT_FOUND)
    return StaffMember.objects.get(pk=actor.staff_id)


def _clean_body(body: str) -> str:
    text = (body or "").strip()
    if not text:
        raise InvalidMessage("Write a message first.", extra={"fields": {"body": ["Required."]}})
    if len(text) > MAX_BODY:
        raise InvalidMessage(
            f"A message can be at most {MAX_BODY} characters; split it in two.",
            extra={"fields": {"body": [f"At most {MAX_BODY} characters."]}},
        )
    return text


def _post(*, thread: Thread, user, staff: StaffMember | None, body: str) -> ThreadMessage:
    now = timezone.now()
    terms = matched_terms(body) if staff is None else []
    message = ThreadMessage(
        thread=thread,
        author=user,
        author_staff=staff,
        body=body,
        sent_at=now,
        flagged=bool(terms),
        matched_terms=terms,
    )
    full_clean_or_refuse(message, InvalidMessage)
    message.save()
    thread.last_message = message
    thread.last_message_at = now
    fields = ["last_message", "last_message_at"]
    if terms:
        thread.flagged, thread.flagged_at = True, now
        fields += ["flagged", "flagged_at"]
    thread.save(update_fields=fields)
    _read_upto(thread=thread, user=user, message=message, at=now)
    if staff is None:
        transaction.on_commit(lambda: _enqueue_staff_email(message.pk))
    else:
        _notify_patient(thread=thread, message=message, now=now)
    return message


def _notify_patient(*, thread: Thread, message: ThreadMessage, now) -> None:
    patient = thread.patient
    send_at = QuietHours.for_patient(patient).fit(now, prefer_earlier=False) or now
    message_enqueue(
        patient=patient,
        kind=MessageKind.SECURE_MESSAGE,
        target_type="thread_message",
        target_id=message.pk,
        send_at=send_at,
        context={"messages_url": f"{settings.SITE_URL}/portal/messages/"},
    )


def _enqueue_staff_email(message_id: int) -> None:
    # The message is stored and on the inbox already; a broker that is down must not fail
    # the request (the unread count still shows it).
    from messaging.tasks import thread_staff_notify  # cycle: tasks import the services

    try:
        thread_staff_notify.delay(message_id)
    except Exception:
        log.exception("Could not enqueue the care team's email for a secure message")


def _read_upto(*, thread: Thread, user, message: ThreadMessage | None, at) -> ThreadRead:
    read, created = ThreadRead.objects.select_for_update().get_or_create(
        thread=thread, user=user, defaults={"last_read_message": message, "last_read_at": at}
    )
    if not created and (message is None or (read.last_read_message_id or 0) < message.pk):
        read.last_read_message = message or read.last_read_message
        read.last_read_at = at
        read.save(update_fields=["last_read_message", "last_read_at"])
    return read


@transaction.atomic
def thread_start(*, author, patient: Patient, subject: str, body: str) -> Thread:
    """Start a thread about `patient` with a first message by `author` (the patient, to
    their care team, or a care-team member, to the patient). Raises NotInThread (404) for
    anyone else, InvalidMessage (400) for an empty subject or body."""
    staff = _author_staff(user=author, patient=patient)
    text = _clean_body(body)
    subject = " ".join((subject or "").split())
    if not subject:
        raise InvalidMessage(
            "Give the conversation a subject.", extra={"fields": {"subject": ["Required."]}}
        )
    thread = Thread(
        clinic_id=patient.clinic_id,
        patient=patient,
        subject=subject,
        created_by=author,
        last_message_at=timezone.now(),
    )
    full_clean_or_refuse(thread, InvalidMessage)
    thread.save()
    _post(thread=thread, user=author, staff=staff, body=text)
    return thread


@transaction.atomic
def thread_reply(*, author, thread: Thread, body: str) -> ThreadMessage:
    """Add `author`'s message to `thread`. Locks the thread row so two replies order cleanly.
    Raises NotInThread (404; 409 for an admin off the care team) for someone not in the
    thread, InvalidMessage (400) for an empty or too long body; nothing changes then."""
    staff = _author_staff(user=author, patient=thread.patient)
    text = _clean_body(body)
    locked = Thread.objects.select_for_update().select_related("patient__clinic").get(pk=thread.pk)
    message = _post(thread=locked, user=author, staff=staff, body=text)
    thread.refresh_from_db()
    return message


@transaction.atomic
def thread_mark_read(*, user, thread: Thread) -> ThreadRead:
    """`user` has read `thread` up to its newest message (never moves backwards). The
    caller has checked that `user` may see the thread."""
    return _read_upto(thread=thread, user=user, message=thread.last_message, at=timezone.now())


@transaction.atomic
def thread_clear_flag(*, user, thread: Thread, note: str) -> Thread:
    """A staff member who may see the thread clears its self-harm flag, saying what was done
    (the note is required). The clearing is kept on the thread and in the audit log; a
    later flagged message raises the flag again. Raises FlagNotRaised (409) when the thread
    is not flagged, InvalidMessage (400) without a note, NotInThread for a patient."""
    actor = actor_for(user)
    if actor is None or not actor.is_staff_member or actor.clinic_id != thread.clinic_id:
        raise NotInThread(NOT_FOUND)
    note = (note or "").strip()
    if not note:
        raise InvalidMessage(
            "Say what was done about the flagged message (e.g. called the patient).",
            extra={"fields": {"note": ["Required."]}},
        )
    locked = Thread.objects.select_for_update().get(pk=thread.pk)
    if not locked.flagged:
        raise FlagNotRaised("This thread is not flagged.")
    locked.flagged = False
    locked.flag_cleared_at = timezone.now()
    locked.flag_cleared_by = user
    locked.flag_cleared_note = note[:2000]
    full_clean_or_refuse(locked, InvalidMessage)
    locked.save(
        update_fields=["flagged", "flag_cleared_at", "flag_cleared_by", "flag_cleared_note"]
    )
    return locked


# The sweep looks back this far (threads written in since), and leaves a message this
# young to the task its commit enqueued.
MISSED_EMAIL_LOOKBACK = timedelta(days=7)
MISSED_EMAIL_GRACE = timedelta(minutes=2)


def thread_staff_emails_missed() -> int:
    """Send the care-team emails whose task never ran (the broker was down when the patient
    wrote) or whose send failed (the claim was given back): for each thread written in
    within the lookback whose newest patient message, older than the grace, is newer than
    the last one emailed. One email per thread covers the messages before it. Returns the
    number of emails."""
    now = timezone.now()
    newest_from_patient = (
        ThreadMessage.objects.filter(
            thread=OuterRef("pk"), author_staff__isnull=True, sent_at__lte=now - MISSED_EMAIL_GRACE
        )
        .order_by("-id")
        .values("id")[:1]
    )
    missed = (
        Thread.objects.filter(last_message_at__gte=now - MISSED_EMAIL_LOOKBACK)
        .annotate(newest=Subquery(newest_from_patient))
        .filter(newest__gt=F("staff_notified_message_id"))
        .values_list("newest", flat=True)
    )
    sent = 0
    for pk in list(missed[:200]):
        try:
            sent += thread_staff_emails(message_id=pk)
        except Exception:
            # Tried again on the next run (the claim was given back); the others still go.
            log.exception("Could not email the care team about secure message %s", pk)
    return sent


def thread_staff_emails(*, message_id: int) -> int:
    """Email the care team (not the author) that a patient wrote; at most once per message
    (a conditional update claims it). No name, no content. Returns the number of emails."""
    from django.core.mail import send_mail

    message = ThreadMessage.objects.select_related("thread").filter(pk=message_id).first()
    if message is None or not message.from_patient:
        return 0
    claimed = Thread.objects.filter(
        pk=message.thread_id, staff_notified_message_id__lt=message.pk
    ).update(staff_notified_message_id=message.pk)
    if not claimed:
        return 0
    recipients = sorted(
        {
            member.staff.user.email
            for member in CareTeam.objects.filter(
                patient_id=message.thread.patient_id
            ).select_related("staff__user")
            if member.staff.is_active and member.staff.user.email
        }
    )
    if not recipients:
        return 0
    flagged = " It was flagged for prompt review." if message.flagged else ""
    try:
        send_mail(
            subject="New secure message from a patient on your care team",
            message=(
                f"A patient on your care team sent a secure message.{flagged}\n"
                f"Sign in and open your inbox to read it: {settings.SITE_URL}/inbox/\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
    except Exception:
        # Not sent: give the claim back, so `thread_staff_emails_missed` sends it (a flagged
        # message's email must not be lost to a mail server that was down for a minute).
        Thread.objects.filter(pk=message.thread_id, staff_notified_message_id=message.pk).update(
            staff_notified_message_id=message.thread.staff_notified_message_id
        )
        raise
    return len(recipients)
