"""Generating a retreat's timetable as a run the retreat page can follow.

The protocol, so that the page sees progress and the generation stays all-or-nothing:

1. `timetable_run_start` (the request) locks the retreat and records a queued
   `TimetableRun`; the worker's task is enqueued after commit. While a run of the retreat
   is active a second start returns it (a unique constraint holds one active run per
   retreat), so a double click starts one run.
2. `timetable_run_process` (the worker) plans first, outside any transaction: each planned
   template item updates `done` of `total` in its own committed row, so the polling page
   sees it. Planning writes no session; a shortage ends the run as refused, naming it,
   with nothing created.
3. It then writes in one transaction: `timetable_generate` under the retreat's lock plans
   again (the resources may have changed since step 2: it is the same code, so the plan
   cannot drift from the writing) and books; the run's outcome is saved in the same
   transaction, so a run is either done with its sessions or never wrote any.

Running the task twice is safe: a finished run is returned as it is; a run left planning
or booking by a worker that died starts again from step 2 (nothing was written); two
workers on one run meet at the run's row lock in step 3 and the second finds it done.
"""

import logging

from django.db import transaction
from django.utils import timezone

from scheduling.choices import TimetableRunStatus
from scheduling.errors import DomainError, InvalidInput
from scheduling.models import Retreat, TimetableRun
from scheduling.models.retreats import ACTIVE_RUN
from scheduling.services.retreats.timetable import timetable_generate, timetable_plan

logger = logging.getLogger(__name__)


@transaction.atomic
def timetable_run_start(*, retreat: Retreat, by=None) -> TimetableRun:
    """Start generating `retreat`'s timetable in the worker, or return the run already
    active for it. Raises InvalidInput (nothing recorded) when the retreat has no template."""
    from scheduling.tasks import generate_timetable_run

    retreat = Retreat.objects.select_for_update().get(pk=retreat.pk)
    active = TimetableRun.objects.filter(retreat=retreat, status__in=ACTIVE_RUN).first()
    if active is not None:
        return active
    if not retreat.template.exists():
        raise InvalidInput("Give the retreat a daily template before generating its timetable.")
    run = TimetableRun.objects.create(clinic_id=retreat.clinic_id, retreat=retreat, started_by=by)
    transaction.on_commit(lambda: generate_timetable_run.delay(run.pk))
    return run


def timetable_run_process(*, run_id: int) -> TimetableRun:
    """Plan with progress, then write in one transaction (the module's protocol)."""
    run = TimetableRun.objects.select_related("retreat__clinic", "started_by").get(pk=run_id)
    if run.is_done:
        return run
    rows = TimetableRun.objects.filter(pk=run.pk, status__in=ACTIVE_RUN)
    rows.update(status=TimetableRunStatus.PLANNING, done=0)

    def progress(done: int, total: int) -> None:
        rows.update(done=done, total=total)

    try:
        timetable_plan(retreat=run.retreat, on_progress=progress)
        rows.update(status=TimetableRunStatus.WRITING)
        with transaction.atomic():
            locked = TimetableRun.objects.select_for_update().get(pk=run.pk)
            if locked.is_done:  # another worker finished this run meanwhile
                return locked
            result = timetable_generate(retreat=run.retreat, by=run.started_by)
            rows.update(
                status=TimetableRunStatus.DONE,
                finished_at=timezone.now(),
                created=result.created,
                kept=result.kept,
                cancelled=result.cancelled,
            )
    except DomainError as refusal:
        rows.update(
            status=TimetableRunStatus.REFUSED,
            finished_at=timezone.now(),
            message=refusal.message,
            shortages=list(refusal.extra.get("shortages") or []),
            session_ids=list(refusal.extra.get("sessions") or []),
        )
    except Exception:
        # Nothing was written (step 3 rolled back); the page stops waiting and says so.
        logger.exception("timetable run %s failed", run.pk)
        rows.update(
            status=TimetableRunStatus.FAILED,
            finished_at=timezone.now(),
            message="The generation stopped on an unexpected error; nothing was created. "
            "Try again; if it fails again, tell the clinic's support.",
        )
        raise
    run.refresh_from_db()
    return run
