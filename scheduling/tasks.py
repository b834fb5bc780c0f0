"""Celery tasks of this app: thin wrappers around services, safe to run twice."""

from celery import shared_task


@shared_task(name="scheduling.tasks.retreat_welcomes", ignore_result=True)
def retreat_welcomes() -> int:
    """Retreat welcomes a week ahead for every enrolled patient (idempotent)."""
    from scheduling.services.reminders import retreat_welcomes_enqueue

    return retreat_welcomes_enqueue()
