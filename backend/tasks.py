"""Periodic work of the project itself (schedules in backend/schedules.py)."""

from celery import shared_task

from backend.audit import audit_purge


@shared_task
def audit_purge_expired() -> dict:
    """Delete audit rows past the retention; safe to run twice (the second finds none)."""
    return audit_purge()
