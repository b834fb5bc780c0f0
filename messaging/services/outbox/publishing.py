"""Publishing send tasks (never blocks a request on the broker) and the sweep that claims
due rows and publishes them."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from messaging.choices import ReminderStatus
from messaging.models import Reminder

log = logging.getLogger(__name__)


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
