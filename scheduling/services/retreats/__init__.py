"""Retreats: a retreat's details and daily template (`details`), enrollment with an ordered
waitlist (`enrollment`), and the timetable generated from the template (`timetable`).

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
]
