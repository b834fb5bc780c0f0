"""The patient message outbox: one delivery mechanism for every message to a patient.

Other code calls `message_enqueue` inside its own transaction (session reminders, a
waitlist place offered, a superbill issued, a questionnaire invitation). The row is the
message: rendered from the clinic's template when enqueued, sent once when due.

Delivery, in three steps that each survive a crash:

1. `reminders_claim_due` (the periodic sweep, every minute) takes due `pending` rows with
   `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite serialises write transactions),
   stamps a claim lease so a second sweep skips them, and the sweep publishes one
   `reminder_send` task per row. Rows whose send lease ran out (the worker died mid-send)
   go back to `pending` here.
2. `reminder_deliver` (the send task) moves the row pending → sending with a conditional
   UPDATE: of two tasks for one row, one wins and the other does nothing.
3. After the backend accepted the message, sending → sent (another conditional UPDATE).
   A transient error puts the row back to pending with a later `send_at` (backoff); a
   permanent one, or too many attempts, makes it failed.

A message can only go out twice if a worker dies after the provider accepted it and before
step 3 committed (the crash-after-send window); the send lease then hands it out again.

Nothing here waits on the broker: rows are committed, publishing happens on commit with a
short timeout, and a broker error is logged and left to the sweep.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template import Context, Engine
from django.utils import timezone

from messaging import sms
from messaging.choices import Channel, ChannelChoice, MessageKind, ReminderStatus
from messaging.errors import ReminderNotResendable
from messaging.models import (
    MessagePreference,
    MessageTemplate,
    PatientMessaging,
    Reminder,
    ReminderSettings,
)

log = logging.getLogger(__name__)

# Channels a patient gets for each kind until they choose otherwise. SMS is only ever used
# with the patient's recorded consent and a phone number.
DEFAULT_CHANNELS: dict[str, str] = {
    MessageKind.SESSION_48H: ChannelChoice.EMAIL,
    MessageKind.SESSION_2H: ChannelChoice.BOTH,
    MessageKind.DOSING_PREPARATION: ChannelChoice.BOTH,
    MessageKind.INTEGRATION_FOLLOWUP: ChannelChoice.EMAIL,
    MessageKind.QUESTIONNAIRE_INVITATION: ChannelChoice.EMAIL,
    MessageKind.RETREAT_WELCOME: ChannelChoice.EMAIL,
    MessageKind.WAITLIST_PROMOTION: ChannelChoice.BOTH,
    MessageKind.SUPERBILL_ISSUED: ChannelChoice.EMAIL,
    MessageKind.PAYMENT_PLAN_INSTALMENT: ChannelChoice.EMAIL,
}
# Retry delays after the 1st, 2nd, … transient failure.
BACKOFF = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=15),
    datetime.timedelta(hours=1),
]
_ACTIVE = (ReminderStatus.PENDING, ReminderStatus.SENDING)

_TEXT = Engine(app_dirs=True, autoescape=False)
_HTML = Engine(app_dirs=True, autoescape=True)


# ---------------------------------------------------------------------------------------
# Preferences, quiet hours, rendering
# ---------------------------------------------------------------------------------------


def clinic_settings(clinic) -> ReminderSettings:
    """The clinic's delivery settings (unsaved defaults when it has none)."""
    found = ReminderSettings.objects.filter(clinic=clinic).first()
    return found or ReminderSettings(clinic=clinic)


def patient_messaging(patient) -> PatientMessaging:
    found = PatientMessaging.objects.filter(patient=patient).first()
    return found or PatientMessaging(patient=patient)


def channels_for(*, patient, kind: str) -> list[str]:
    """The channels `patient` receives `kind` on: their choice, or the default; SMS only
    with consent and a number, falling back to email when SMS was their only choice."""
    pref = MessagePreference.objects.filter(patient=patient, kind=kind).first()
    choice = pref.channel if pref else DEFAULT_CHANNELS.get(kind, ChannelChoice.EMAIL)
    if choice == ChannelChoice.NONE:
        return []
    wanted = {
        ChannelChoice.EMAIL: [Channel.EMAIL],
        ChannelChoice.SMS: [Channel.SMS],
        ChannelChoice.BOTH: [Channel.EMAIL, Channel.SMS],
    }[choice]
    can_sms = bool(patient.phone) and patient_messaging(patient).sms_consent
    channels = [c for c in wanted if c != Channel.SMS or can_sms]
    if not channels and patient.email:
        channels = [Channel.EMAIL]
    return [c for c in channels if c != Channel.EMAIL or patient.email]


@dataclass(frozen=True)
class QuietHours:
    start: datetime.time
    end: datetime.time
    tz: ZoneInfo

    @classmethod
    def for_patient(cls, patient) -> QuietHours:
        clinic_cfg = clinic_settings(patient.clinic)
        own = patient_messaging(patient)
        if own.quiet_hours_start is not None and own.quiet_hours_end is not None:
            start, end = own.quiet_hours_start, own.quiet_hours_end
        else:
            start, end = clinic_cfg.quiet_hours_start, clinic_cfg.quiet_hours_end
        return cls(start=start, end=end, tz=patient.clinic.zone)

    def period(self, at: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime] | None:
        """The quiet period (start, end) that contains `at`, or None if `at` is not quiet."""
        if self.start == self.end:
            return None
        local = at.astimezone(self.tz)
        day, t = local.date(), local.time()
        one_day = datetime.timedelta(days=1)

        def at_local(d, tm):
            return datetime.datetime.combine(d, tm, tzinfo=self.tz)

        if self.start < self.end:  # e.g. 12:00–13:00 on the same day
            if self.start <= t < self.end:
                return at_local(day, self.start), at_local(day, self.end)
            return None
        if t >= self.start:  # overnight, e.g. 21:00–08:00
            return at_local(day, self.start), at_local(day + one_day, self.end)
        if t < self.end:
            return at_local(day - one_day, self.start), at_local(day, self.end)
        return None

    def fit(
        self,
        at: datetime.datetime,
        *,
        prefer_earlier: bool,
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
    ) -> datetime.datetime | None:
        """`at`, or the nearest moment outside quiet hours on the preferred side that stays
        within [not_before, not_after]; None when there is none."""
        period = self.period(at)
        if period is None:
            candidates = [at]
        else:
            earlier = period[0] - datetime.timedelta(minutes=1)
            later = period[1]
            candidates = [earlier, later] if prefer_earlier else [later, earlier]
        for moment in candidates:
            if not_before is not None and moment < not_before:
                continue
            if not_after is not None and moment > not_after:
                continue
            return moment
        return None


def base_context(*, patient, extra: dict | None = None) -> dict[str, str]:
    """Plain strings every template may use. Never model objects: an edited template can
    show only what is handed to it here."""
    clinic = patient.clinic
    context = {
        "patient_name": patient.preferred_name or patient.legal_first_name,
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone.as_national if clinic.phone else "",
        "clinic_address": ", ".join(clinic.address_lines),
        "portal_url": f"{settings.SITE_URL}/portal/",
    }
    for key, value in (extra or {}).items():
        context[key] = value if isinstance(value, bool) else str(value)
    return context


def _template_texts(*, clinic, kind: str) -> dict[str, str | None]:
    custom = MessageTemplate.objects.filter(clinic=clinic, kind=kind).first()
    if custom is None:
        return {"subject": None, "text": None, "html": None, "sms": None}
    return {
        "subject": custom.email_subject,
        "text": custom.email_text,
        "html": custom.email_html,
        "sms": custom.sms_text,
    }


def render_message(*, clinic, kind: str, channel: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) of `kind` for `channel`: the clinic's template if it edited
    one, otherwise the built-in one under templates/messaging/messages/<kind>/."""
    custom = _template_texts(clinic=clinic, kind=kind)
    folder = f"messaging/messages/{kind}"

    def render(engine: Engine, source: str | None, name: str) -> str:
        template = engine.from_string(source) if source else engine.get_template(name)
        return template.render(Context(context)).strip()

    if channel == Channel.SMS:
        return "", render(_TEXT, custom["sms"], f"{folder}/sms.txt"), ""
    subject = " ".join(render(_TEXT, custom["subject"], f"{folder}/subject.txt").split())
    text = render(_TEXT, custom["text"], f"{folder}/body.txt")
    if custom["text"] is not None and not custom["html"]:
        html = ""
    else:
        html = render(_HTML, custom["html"], f"{folder}/body.html")
    return subject[:200], text, html


# ---------------------------------------------------------------------------------------
# Enqueue and cancel (called inside other services' transactions)
# ---------------------------------------------------------------------------------------


@transaction.atomic
def message_enqueue(
    *,
    patient,
    kind: str,
    target_type: str,
    target_id,
    send_at: datetime.datetime | None = None,
    context: dict | None = None,
    session=None,
    channels: list[str] | None = None,
) -> list[Reminder]:
    """Queue message `kind` to `patient` about (`target_type`, `target_id`), once per channel.

    `channels` defaults to the patient's preference for `kind`; an opted-out kind creates no
    row and returns []. `send_at` defaults to now. `context` adds plain values for the
    template (e.g. {"retreat_name": …}). Calling it again for the same target re-renders
    and re-times rows that have not gone out yet and leaves sent ones alone (a message goes
    out at most once per target, kind and channel); rows for channels no longer wanted are
    cancelled. Rows already due are published when the transaction commits (best effort).

    Locks the target's existing rows (SELECT … FOR UPDATE). Returns the active rows.
    """
    if kind not in MessageKind.values:
        raise ValueError(f"Unknown message kind {kind!r}.")
    now = timezone.now()
    send_at = send_at or now
    target_id = str(target_id)
    wanted = channels_for(patient=patient, kind=kind) if channels is None else list(channels)
    existing = {
        r.channel: r
        for r in Reminder.objects.select_for_update().filter(
            target_type=target_type, target_id=target_id, kind=kind
        )
    }
    ctx = base_context(patient=patient, extra=context)
    result = []
    for channel in wanted:
        subject, text, html = render_message(
            clinic=patient.clinic, kind=kind, channel=channel, context=ctx
        )
        row = existing.get(channel)
        if row is None:
            row = Reminder(
                clinic_id=patient.clinic_id,
                patient=patient,
                kind=kind,
                channel=channel,
                target_type=target_type,
                target_id=target_id,
            )
        elif row.status in (ReminderStatus.SENT, ReminderStatus.SENDING):
            continue
        elif row.status != ReminderStatus.PENDING:
            row.attempts = 0  # re-activated (e.g. a session booked again): a fresh message
        row.session = session
        # A row already due stays due as it was (a re-sync does not push it back).
        if not (row.pk and row.status == ReminderStatus.PENDING and row.send_at <= now >= send_at):
            row.send_at = send_at
        row.status = ReminderStatus.PENDING
        row.lease_until = None
        row.subject, row.body_text, row.body_html = subject, text, html
        row.full_clean(validate_constraints=False)
        row.save()
        result.append(row)
    for channel, row in existing.items():
        if channel not in wanted and row.status == ReminderStatus.PENDING:
            _cancel_rows(Reminder.objects.filter(pk=row.pk), reason="Patient changed channel.")
    publish_on_commit([r.pk for r in result if r.send_at <= now])
    return result


def _cancel_rows(rows, *, reason: str) -> int:
    return rows.filter(status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED,
        lease_until=None,
        last_error=reason[:500],
        updated_at=timezone.now(),
    )


@transaction.atomic
def messages_cancel(
    *, target_type: str, target_id, kinds=None, reason: str = "No longer needed."
) -> int:
    """Cancel the target's messages that have not gone out (all kinds, or only `kinds`).
    Sent rows stay as they are, for the delivery log. Returns how many were cancelled."""
    rows = Reminder.objects.filter(target_type=target_type, target_id=str(target_id))
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return _cancel_rows(rows, reason=reason)


@transaction.atomic
def message_skip(*, reminder: Reminder, reason: str) -> bool:
    """Mark a pending message as not to be sent (too late, no longer relevant)."""
    return bool(
        Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.PENDING).update(
            status=ReminderStatus.SKIPPED, lease_until=None, last_error=reason[:500]
        )
    )


@transaction.atomic
def reminder_resend(*, reminder: Reminder) -> Reminder:
    """Send a failed message again, now. Raises ReminderNotResendable for any other status
    (a sent message is never sent twice)."""
    updated = Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.FAILED).update(
        status=ReminderStatus.PENDING,
        send_at=timezone.now(),
        attempts=0,
        lease_until=None,
        updated_at=timezone.now(),
    )
    if not updated:
        reminder.refresh_from_db(fields=["status"])
        status = reminder.get_status_display().lower()
        raise ReminderNotResendable(
            f"Only a failed message can be sent again; this one is {status}."
        )
    reminder.refresh_from_db()
    publish_on_commit([reminder.pk])
    return reminder


# ---------------------------------------------------------------------------------------
# Publishing (never blocks a request on the broker)
# ---------------------------------------------------------------------------------------


def publish(ids: list[int], *, queue: str | None = None) -> int:
    """Publish one send task per id on one broker connection. Returns how many went out;
    on a broker error logs it and returns the count so far (the sweep catches up)."""
    if not ids:
        return 0
    # Cycle: messaging.tasks imports this module at its top.
    from messaging.tasks import reminder_send

    sent = 0
    options = {"queue": queue} if queue else {}
    try:
        with reminder_send.app.producer_or_acquire() as producer:
            # kombu would otherwise retry connecting for a long time (celery#4556): one
            # immediate retry, then give up and leave the rows to the sweep.
            producer.connection.ensure_connection(max_retries=1, interval_start=0, timeout=1.5)
            for reminder_id in ids:
                reminder_send.apply_async((reminder_id,), producer=producer, retry=False, **options)
                sent += 1
    except Exception as error:  # the broker is down or slow: the sweep will send them
        log.warning("Could not publish %d reminder(s) now: %s", len(ids) - sent, error)
        _drop_broker_connections(reminder_send.app)
    return sent


def _drop_broker_connections(app) -> None:
    """Forget pooled broker connections after an error, so that the next publish connects
    afresh instead of reusing a socket to a Redis that has since restarted."""
    for pool in (app.amqp.producer_pool, app.pool):
        try:
            pool.force_close_all()
        except Exception:  # closing a dead connection may fail too; it is dropped anyway
            log.debug("Error while dropping broker connections", exc_info=True)


def publish_on_commit(ids: list[int]) -> None:
    if ids and settings.REMINDER_PUBLISH_ON_COMMIT:
        transaction.on_commit(lambda: publish(list(ids)))


# ---------------------------------------------------------------------------------------
# The sweep and the send
# ---------------------------------------------------------------------------------------


def reminders_claim_due(*, now: datetime.datetime | None = None, limit: int = 1000) -> list[int]:
    """Claim up to `limit` due pending rows for publishing and return their ids.

    Locks them with FOR UPDATE SKIP LOCKED (a concurrent sweep takes other rows) and stamps
    a claim lease, so another sweep in the next minutes skips them even after this
    transaction commits. Also returns to pending the rows stuck in `sending` whose send
    lease ran out (their worker died). Uses the partial index `reminder_due_idx`.
    """
    now = now or timezone.now()
    lease = now + datetime.timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)
    with transaction.atomic():
        stale = list(
            Reminder.objects.filter(status=ReminderStatus.SENDING, lease_until__lt=now)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if stale:
            Reminder.objects.filter(pk__in=stale, status=ReminderStatus.SENDING).update(
                status=ReminderStatus.PENDING, lease_until=None, updated_at=now
            )
        ids = list(
            Reminder.objects.filter(status=ReminderStatus.PENDING, send_at__lte=now)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .order_by("send_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Reminder.objects.filter(pk__in=ids).update(lease_until=lease)
    return ids


def reminders_dispatch(*, batch: int | None = None, queue: str | None = None) -> int:
    """One sweep: claim due rows batch by batch and publish a send task for each. Rows that
    could not be published are released for the next sweep. Returns how many went out."""
    batch = batch or settings.REMINDER_SWEEP_BATCH
    total = 0
    while True:
        ids = reminders_claim_due(limit=batch)
        if not ids:
            break
        published = publish(ids, queue=queue)
        total += published
        if published < len(ids):
            reminders_release(ids=ids[published:])
            break
        if len(ids) < batch:
            break
    return total


def reminders_release(*, ids: list[int]) -> None:
    """Drop the claim lease of rows that could not be published, so the next sweep retries."""
    Reminder.objects.filter(pk__in=ids, status=ReminderStatus.PENDING).update(lease_until=None)


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
    """Why a due message must not go out any more ('' when it may)."""
    session = reminder.session
    if session is None:
        return ""
    if session.status in ("cancelled", "no_show"):
        return "The session was cancelled."
    if reminder.send_at <= session.starts_at and now >= session.starts_at:
        return "The session has already started."
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
    Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.SENDING).update(
        status=ReminderStatus.SENT,
        sent_at=sent_at,
        lease_until=None,
        recipient=reminder.recipient,
        provider_message_id=str(provider_id)[:100],
        last_error="",
        updated_at=sent_at,
    )
    return "sent"


__all__ = [
    "DEFAULT_CHANNELS",
    "QuietHours",
    "channels_for",
    "message_enqueue",
    "message_skip",
    "messages_cancel",
    "publish",
    "publish_on_commit",
    "reminder_deliver",
    "reminder_resend",
    "reminders_claim_due",
    "reminders_dispatch",
    "reminders_release",
]
