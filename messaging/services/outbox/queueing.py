"""Queueing and cancelling messages (called inside other services' transactions), and
sending a failed one again."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from messaging.choices import MessageKind, ReminderStatus
from messaging.errors import ReminderNotResendable
from messaging.models import Reminder
from messaging.services.outbox.planning import (
    Recipient,
    base_context,
    channels_for,
    render_message,
)
from messaging.services.outbox.publishing import publish_on_commit


# Without a savepoint of their own (two queries per call): the callers queue and cancel
# inside their own transaction, which a failure here fails as a whole; nobody carries on
# after one.
@transaction.atomic(savepoint=False)
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
    recipient: Recipient | None = None,
) -> list[Reminder]:
    """Queue message `kind` to `patient` about (`target_type`, `target_id`), once per channel.

    `channels` defaults to the patient's preference for `kind`; an opted-out kind creates no
    row and returns []. `send_at` defaults to now. `context` adds plain values for the
    template (e.g. {"retreat_name": …}). `recipient` (a `Recipient` of `patient`) lets a
    caller queueing several messages read the patient's settings and the clinic's
    templates once. Calling it again for the same target re-renders
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
    if channels is None:
        wanted = channels_for(patient=patient, kind=kind, recipient=recipient)
    else:
        wanted = list(channels)
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
            clinic=patient.clinic, kind=kind, channel=channel, context=ctx, recipient=recipient
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
        # The clinic, patient and session are rows this transaction holds: checking that
        # they exist would be three reads per message for nothing.
        row.full_clean(exclude=["clinic", "patient", "session"], validate_constraints=False)
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


@transaction.atomic(savepoint=False)
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
