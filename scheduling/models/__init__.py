"""Clinicians' working hours and retreats: the clinic's calendar.

Sessions and rooms themselves are `practice.Session` and `practice.Room`; scheduling adds
what it needs around them (`SessionBooking`: series membership, calendar revision, late
cancellation) and books rooms. Working hours are wall-clock times in the clinic's timezone,
turned into UTC instants per date, so they stay right across daylight-saving changes.

One module per concern (availability, bookings, retreats, feeds); every model is
re-exported here, so `scheduling.models.X` and the app label stay as they were.
`new_feed_token` stays importable here because migration 0003 names it by this path.
"""

from scheduling.models.availability import AvailabilityException, SchedulingPolicy, WorkingHours
from scheduling.models.bookings import SessionBooking, SessionConfirmation, SessionSeries
from scheduling.models.feeds import CalendarFeed, new_feed_token
from scheduling.models.retreats import (
    Enrollment,
    Retreat,
    RetreatSession,
    RetreatTemplateItem,
    TimetableRun,
)
from scheduling.models.selfbooking import BookingRequest

__all__ = [
    "AvailabilityException",
    "BookingRequest",
    "CalendarFeed",
    "Enrollment",
    "Retreat",
    "RetreatSession",
    "RetreatTemplateItem",
    "SchedulingPolicy",
    "SessionBooking",
    "SessionConfirmation",
    "SessionSeries",
    "TimetableRun",
    "WorkingHours",
    "new_feed_token",
]
