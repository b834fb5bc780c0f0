"""Booking, rescheduling and cancelling sessions without double-booking anyone.

Every clinical rule about creating a session (who may be dosed, with which plan and
screening) belongs to `practice.services.session_create`; this package adds the calendar's
rules around it: the clinician's working hours, the room (active, dosing-capable for a
dosing session, seats for a group), and no clinician, room or patient booked twice.
`rules` holds the conflicts, row locks and the guarded write; `book` booking and its dry
run; `changes` moving and cancelling.

How double-booking is prevented:
- every booking locks the rows of the room, the clinician and the patient (always in that
  order, so two bookings cannot deadlock) and then checks for overlapping sessions, so
  concurrent bookings of one resource are serialised and the loser gets a clean conflict;
- on PostgreSQL the exclusion constraints of migration 0003 hold even for writes that
  bypass these services; an ExclusionViolation that slips past the check is answered with
  the same 409 naming the conflicting session.
"""

from scheduling.services.booking.book import group_session_book, session_book, session_book_check
from scheduling.services.booking.changes import (
    KEEP,
    is_late_cancellation,
    session_cancel,
    session_reschedule,
)
from scheduling.services.booking.rules import (
    ACTIVE,
    Conflict,
    booking_conflicts,
    booking_problems,
    overlapping,
    session_described,
)

__all__ = [
    "ACTIVE",
    "KEEP",
    "Conflict",
    "booking_conflicts",
    "booking_problems",
    "group_session_book",
    "is_late_cancellation",
    "overlapping",
    "session_book",
    "session_book_check",
    "session_cancel",
    "session_described",
    "session_reschedule",
]
