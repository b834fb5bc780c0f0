"""Celery tasks of the outbox: thin wrappers around services, safe to run twice.

The tasks carry this module's names. Send tasks still queued under their old names
(`scheduling.tasks.…`) when a deployment switches over are not lost: the rows they were
for keep their claim lease only for REMINDER_CLAIM_LEASE_SECONDS, after which the sweep
claims and publishes them again under these names.
"""

import logging

from celery import shared_task
from django.db import OperationalError

from messaging.services.outbox import reminder_deliver, reminders_dispatch
from messaging.services.questionnaires import questionnaire_invitations_enqueue
from messaging.services.threads import thread_staff_emails, thread_staff_emails_missed

log = logging.getLogger(__name__)


@shared_task(
    name="messaging.tasks.reminder_send",
    acks_late=True,
    reject_on_worker_lost=True,
    # The database being briefly unreachable is worth a few quick retries; delivery errors
    # are retried by the outbox itself (the row goes back to pending with a later send_at).
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
    ignore_result=True,
)
def reminder_send(reminder_id: int) -> str:
    """Send one outbox row if it is due and nobody else is sending it."""

    return reminder_deliver(reminder_id=reminder_id)


@shared_task(name="messaging.tasks.reminders_dispatch_due", ignore_result=True)
def reminders_dispatch_due() -> int:
    """The periodic sweep: claim due rows and publish a send task for each."""

    total = reminders_dispatch()
    if total:
        log.info("Published %d due reminder(s).", total)
    return total


@shared_task(name="messaging.tasks.questionnaire_invitations", ignore_result=True)
def questionnaire_invitations() -> int:
    """Weekly GAD-7/PHQ-9 invitations for patients in induction (idempotent per week)."""

    return questionnaire_invitations_enqueue()


@shared_task(name="messaging.tasks.thread_staff_notify", acks_late=True, ignore_result=True)
def thread_staff_notify(message_id: int) -> int:
    """Email the care team that a patient sent a secure message (once per message)."""

    return thread_staff_emails(message_id=message_id)


@shared_task(name="messaging.tasks.thread_staff_notify_missed", ignore_result=True)
def thread_staff_notify_missed() -> int:
    """The care-team emails the broker missed (each is enqueued when the patient writes)."""

    return thread_staff_emails_missed()
