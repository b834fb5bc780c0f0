"""Celery tasks: thin, take ids, call a service, safe to run twice."""

from celery import shared_task

from billing.choices import BulkItemOutcome
from billing.services import cards, charges, estimates_auto, payments, superbills


@shared_task(acks_late=True, reject_on_worker_lost=True)
def suggest_pending_charges() -> int:
    """Periodic: suggest charges for completed sessions that have none yet."""
    return charges.charges_suggest_pending()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def bulk_issue_superbills(run_id: int) -> int:
    """Issue a month-end run; redelivered after a worker dies, it resumes where it stopped."""
    run = superbills.bulk_issue_process(run_id=run_id)
    return run.items.filter(outcome=BulkItemOutcome.ISSUED).count()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def queue_instalment_reminders() -> int:
    """Periodic: queue reminders for payment-plan instalments due in the next days."""
    return payments.instalment_reminders_queue()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def charge_autopay_instalments() -> int:
    """Periodic: charge due instalments of plans on autopay (retries declines on schedule)."""
    return cards.autopay_charge_due()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def estimate_at_booking(session_id: int) -> str:
    """Issue the Good Faith Estimate a booking made due (or note what is missing); safe to
    run twice: a current estimate is not issued again."""
    return estimates_auto.estimate_for_session(session_id=session_id)
