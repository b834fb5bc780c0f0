"""The send: one due message, at most once, with backoff on transient errors."""

from __future__ import annotations

import datetime
import logging
import re
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from messaging import sms
from messaging.choices import Channel, ChannelChoice, MessageKind, ReminderStatus
from messaging.models import MessagePreference, Reminder
from messaging.services.hooks import settings_hooks
from messaging.services.outbox.planning import QuietHours, patient_messaging
from messaging.services.outbox.queueing import message_skip

log = logging.getLogger(__name__)

# Retry delays after the 1st, 2nd, … transient failure.
BACKOFF = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=15),
    datetime.timedelta(hours=1),
]


# Kinds whose body carries a one-time secret link (the portal invitation sets a password).
# Once the message is out, the stored copy keeps its words and loses the link, so nobody who
# can read the outbox afterwards (the delivery log, the Django admin, the patient's record
# export) can use the link before the patient does.
SCRUBBED_ONCE_SENT = frozenset({MessageKind.PORTAL_INVITATION})
LINK = re.compile(r"https?://[^\s\"'<>]+")
SCRUBBED = "[link removed after sending]"


def scrubbed(text: str) -> str:
    return LINK.sub(SCRUBBED, text)


class TransientDeliveryError(Exception):
    pass


class PermanentDeliveryError(Exception):
    pass


def _deliver_email(reminder: Reminder) -> str:
    to = reminder.patient.email
    if not to:
        raise PermanentDeliveryError("The patient has no email address on file.")
    message = EmailMultiAlternatives(
        subject=reminder.subject,
        body=reminder.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"X-KAP-Message": f"reminder-{reminder.pk}"},
    )
    if reminder.body_html:
        message.attach_alternative(reminder.body_html, "text/html")
    reminder.recipient = to
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentDeliveryError(f"The mail server refused {to}.") from error
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise TransientDeliveryError(f"Email not sent: {error}") from error
    return message.extra_headers["X-KAP-Message"]


def _deliver_sms(reminder: Reminder) -> str:
    patient = reminder.patient
    if not patient.phone:
        raise PermanentDeliveryError("The patient has no phone number on file.")
    if not patient_messaging(patient).sms_consent:
        raise PermanentDeliveryError("The patient has not agreed to text messages.")
    to = patient.phone.as_e164
    reminder.recipient = to
    try:
        return sms.get_backend().send(
            to=to, body=reminder.body_text, reference=f"reminder-{reminder.pk}"
        )
    except sms.TransientSmsError as error:
        raise TransientDeliveryError(str(error)) from error
    except sms.SmsError as error:
        raise PermanentDeliveryError(str(error)) from error


def _still_relevant(reminder: Reminder, now: datetime.datetime) -> str:
    """Why a due message must not go out any more ('' when it may): its session cancelled
    or started, or its kind opted out of since it was queued. The apps that queue messages
    about their own things (scheduling: a retreat enrollment) are asked too
    (`settings.KAP_MESSAGE_RELEVANCE`): a cancellation may have raced the queuing."""
    session = reminder.session
    if session is not None:
        if session.status in ("cancelled", "no_show"):
            return "The session was cancelled."
        if reminder.send_at <= session.starts_at and now >= session.starts_at:
            return "The session has already started."
    # Queuing reads the patient's choice without their messaging lock, so an opt-out saved
    # meanwhile could not cancel a row not written yet: the send reads the choice again.
    opted_out = MessagePreference.objects.filter(
        patient_id=reminder.patient_id, kind=reminder.kind, channel=ChannelChoice.NONE
    )
    if opted_out.exists():
        return "The patient opted out."
    for why_not in settings_hooks("KAP_MESSAGE_RELEVANCE"):
        reason = why_not(reminder=reminder)
        if reason:
            return reason
    return ""


def reminder_deliver(*, reminder_id: int, now: datetime.datetime | None = None) -> str:
    """Send one due message, at most once. Returns what happened: "sent", "failed",
    "retry", "deferred" (quiet hours), "skipped", or "noop" (not due, or another task has it).

    Safe to call any number of times, concurrently: only the call whose conditional UPDATE
    moves the row pending → sending sends it. Not atomic as a whole on purpose: the
    `sending` state is committed before the provider is called, so a crash leaves evidence.
    """
    now = now or timezone.now()
    reminder = (
        Reminder.objects.select_related("patient__clinic", "session")
        .filter(pk=reminder_id, status=ReminderStatus.PENDING, send_at__lte=now)
        .first()
    )
    if reminder is None:
        return "noop"

    why_not = _still_relevant(reminder, now)
    if why_not:
        return "skipped" if message_skip(reminder=reminder, reason=why_not) else "noop"

    quiet = QuietHours.for_patient(reminder.patient)
    period = quiet.period(now)
    if period is not None:
        # Never in quiet hours: wait for their end, unless that is too late to matter.
        later = period[1]
        session = reminder.session
        if session is not None and reminder.send_at <= session.starts_at <= later:
            reason = "Quiet hours last until after the session starts."
            return "skipped" if message_skip(reminder=reminder, reason=reason) else "noop"
        moved = Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.PENDING).update(
            send_at=later, lease_until=None, updated_at=now
        )
        return "deferred" if moved else "noop"

    lease = now + datetime.timedelta(seconds=settings.REMINDER_SEND_LEASE_SECONDS)
    attempt = reminder.attempts + 1
    taken = Reminder.objects.filter(
        pk=reminder.pk, status=ReminderStatus.PENDING, attempts=reminder.attempts
    ).update(status=ReminderStatus.SENDING, attempts=attempt, lease_until=lease, updated_at=now)
    if not taken:
        return "noop"

    mine = Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.SENDING, attempts=attempt)
    try:
        if reminder.channel == Channel.EMAIL:
            provider_id = _deliver_email(reminder)
        else:
            provider_id = _deliver_sms(reminder)
    except PermanentDeliveryError as error:
        mine.update(
            status=ReminderStatus.FAILED,
            lease_until=None,
            recipient=reminder.recipient,
            last_error=str(error)[:500],
            updated_at=timezone.now(),
        )
        return "failed"
    except Exception as error:  # transient, or unexpected: try again later, a few times
        if not isinstance(error, TransientDeliveryError):
            log.exception("Reminder %s: unexpected error while sending", reminder.pk)
        if attempt >= settings.REMINDER_MAX_ATTEMPTS:
            mine.update(
                status=ReminderStatus.FAILED,
                lease_until=None,
                recipient=reminder.recipient,
                last_error=f"Gave up after {attempt} attempts: {error}"[:500],
                updated_at=timezone.now(),
            )
            return "failed"
        delay = BACKOFF[min(attempt, len(BACKOFF)) - 1]
        mine.update(
            status=ReminderStatus.PENDING,
            send_at=timezone.now() + delay,
            lease_until=None,
            last_error=str(error)[:500],
            updated_at=timezone.now(),
        )
        return "retry"
    sent_at = timezone.now()
    secret = (
        {"body_text": scrubbed(reminder.body_text), "body_html": scrubbed(reminder.body_html)}
        if reminder.kind in SCRUBBED_ONCE_SENT
        else {}
    )
    Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.SENDING).update(
        **secret,
        status=ReminderStatus.SENT,
        sent_at=sent_at,
        lease_until=None,
        recipient=reminder.recipient,
        provider_message_id=str(provider_id)[:100],
        last_error="",
        updated_at=sent_at,
    )
    return "sent"
