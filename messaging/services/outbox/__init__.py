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

The package keeps these concerns apart: `planning` (channels, quiet hours, rendering),
`queueing` (enqueue, cancel, skip, resend), `publishing` (publish and the sweep) and
`sending` (the send task's work). Callers use this package's names.
"""

from messaging.errors import ReminderNotResendable
from messaging.services.outbox.planning import (
    DEFAULT_CHANNELS,
    QuietHours,
    Recipient,
    base_context,
    channels_for,
    clinic_settings,
    patient_messaging,
    render_message,
)
from messaging.services.outbox.publishing import (
    publish,
    publish_on_commit,
    reminders_claim_due,
    reminders_dispatch,
    reminders_release,
)
from messaging.services.outbox.queueing import (
    message_enqueue,
    message_skip,
    messages_cancel,
    reminder_resend,
)
from messaging.services.outbox.sending import (
    BACKOFF,
    PermanentDeliveryError,
    TransientDeliveryError,
    reminder_deliver,
)

__all__ = [
    "BACKOFF",
    "DEFAULT_CHANNELS",
    "PermanentDeliveryError",
    "QuietHours",
    "Recipient",
    "ReminderNotResendable",
    "TransientDeliveryError",
    "base_context",
    "channels_for",
    "clinic_settings",
    "message_enqueue",
    "message_skip",
    "messages_cancel",
    "patient_messaging",
    "publish",
    "publish_on_commit",
    "reminder_deliver",
    "reminder_resend",
    "reminders_claim_due",
    "reminders_dispatch",
    "reminders_release",
    "render_message",
]
