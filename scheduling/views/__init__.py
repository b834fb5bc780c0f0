"""Scheduling pages, by area: calendar and free slots, booking and session actions,
retreats, calendar feeds and reminder links. Thin: they read through selectors and the
calendar module, and write through one service call each (`ServiceFormView` or
`run_service`)."""

from scheduling.views.availability import (
    ExceptionDeleteView,
    ExceptionFormView,
    ExceptionListView,
)
from scheduling.views.booking import BookingView, SessionManageView
from scheduling.views.calendar import CalendarView, FreeSlotView
from scheduling.views.feeds import FeedIssueView, feed_ics, session_response
from scheduling.views.retreats import (
    EnrollmentCancelView,
    RetreatCreateView,
    RetreatDetailView,
    RetreatListView,
    RetreatRosterPdfView,
    TimetableRunView,
)

__all__ = [
    "BookingView",
    "CalendarView",
    "EnrollmentCancelView",
    "ExceptionDeleteView",
    "ExceptionFormView",
    "ExceptionListView",
    "FeedIssueView",
    "FreeSlotView",
    "RetreatCreateView",
    "RetreatDetailView",
    "RetreatListView",
    "RetreatRosterPdfView",
    "SessionManageView",
    "TimetableRunView",
    "feed_ics",
    "session_response",
]
