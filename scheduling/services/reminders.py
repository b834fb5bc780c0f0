"""Reminders for sessions and enrollments (issue: reminders with Celery).

The booking services call `session_reminders_sync` after every booking, reschedule and
cancellation, inside their transaction; it (re)computes the session's reminder rows.
"""


def session_reminders_sync(*, session) -> None:
    """Create, move or cancel the reminder rows of `session`. Filled in by the reminders work."""
