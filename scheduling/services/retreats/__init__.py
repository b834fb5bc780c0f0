"""Retreats: a retreat's details and daily template (`details`), enrollment with an ordered
waitlist (`enrollment`), the timetable generated from the template (`timetable`), and that
generation as a run the retreat page follows (`runs`).

Callers use this package's names (`retreats.enrollment_create`, …); the modules are how the
code is kept, not separate entry points.
"""

from scheduling.services.retreats.details import (
    RETREAT_FIELDS,
    retreat_create,
    retreat_resources_set,
    retreat_template_default,
    retreat_template_set,
    retreat_update,
)
from scheduling.services.retreats.enrollment import enrollment_cancel, enrollment_create
from scheduling.services.retreats.runs import timetable_run_process, timetable_run_start
from scheduling.services.retreats.timetable import TimetableResult, timetable_generate

__all__ = [
    "RETREAT_FIELDS",
    "TimetableResult",
    "enrollment_cancel",
    "enrollment_create",
    "retreat_create",
    "retreat_resources_set",
    "retreat_template_default",
    "retreat_template_set",
    "retreat_update",
    "timetable_generate",
    "timetable_run_process",
    "timetable_run_start",
]
