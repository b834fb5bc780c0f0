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
from scheduling.views.selfbooking import (
    BookingRequestDecideView,
    BookingRequestQueueView,
    PortalBookingWithdrawView,
    PortalBookView,
    SelfBookingSettingsView,
)

__all__ = [
    "BookingRequestDecideView",
    "BookingRequestQueueView",
    "BookingView",
    "CalendarView",
    "EnrollmentCancelView",
    "ExceptionDeleteView",
    "ExceptionFormView",
    "ExceptionListView",
    "FeedIssueView",
    "FreeSlotView",
    "PortalBookView",
    "PortalBookingWithdrawView",
    "RetreatCreateView",
    "RetreatDetailView",
    "RetreatListView",
    "RetreatRosterPdfView",
    "SelfBookingSettingsView",
    "SessionManageView",
    "TimetableRunView",
    "feed_ics",
    "session_response",
]
