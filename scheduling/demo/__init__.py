"""The demo clinic's scheduling: rooms, working hours, a week of sessions and a retreat
(`calendar`), then the reminders of every upcoming session (`reminders`). Idempotent.

`seed` runs after the clinical record (it reuses its screenings and plans); `sync_upcoming`
runs last, once every other app's seed has booked what it books.
"""

from scheduling.demo import calendar, reminders


def seed(ctx: dict) -> dict:
    calendar.seed(ctx)
    return reminders.seed(ctx)


sync_upcoming = reminders.sync_upcoming

__all__ = ["seed", "sync_upcoming"]
