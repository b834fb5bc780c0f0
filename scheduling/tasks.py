"""Celery tasks of this app: thin wrappers around services, safe to run twice."""

from celery import shared_task


@shared_task(name="scheduling.tasks.retreat_welcomes", ignore_result=True)
def retreat_welcomes() -> int:
    """Retreat welcomes a week ahead for every enrolled patient (idempotent)."""
    from scheduling.services.reminders import retreat_welcomes_enqueue

    return retreat_welcomes_enqueue()


@shared_task(
    name="scheduling.tasks.generate_timetable_run", acks_late=True, reject_on_worker_lost=True
)
def generate_timetable_run(run_id: int) -> str:
    """Generate a retreat's timetable for a run started on the retreat page; redelivered
    after a worker dies, it plans again (nothing was written) and finishes the run."""
    from scheduling.services.retreats.runs import timetable_run_process

    return timetable_run_process(run_id=run_id).status
