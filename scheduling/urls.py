from django.urls import path

from scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("calendar/book/", views.BookingView.as_view(), name="book"),
    path("calendar/slots/", views.FreeSlotView.as_view(), name="slots"),
    path("calendar/sessions/<int:pk>/", views.SessionManageView.as_view(), name="session-manage"),
    path("calendar/exceptions/", views.ExceptionListView.as_view(), name="exception-list"),
    path("calendar/exceptions/new/", views.ExceptionFormView.as_view(), name="exception-create"),
    path("calendar/exceptions/<int:pk>/", views.ExceptionFormView.as_view(), name="exception-edit"),
    path(
        "calendar/exceptions/<int:pk>/delete/",
        views.ExceptionDeleteView.as_view(),
        name="exception-delete",
    ),
    path("calendar/requests/", views.BookingRequestQueueView.as_view(), name="booking-requests"),
    path(
        "calendar/requests/<int:pk>/approve/",
        views.BookingRequestDecideView.as_view(decision="approve"),
        name="booking-request-approve",
    ),
    path(
        "calendar/requests/<int:pk>/decline/",
        views.BookingRequestDecideView.as_view(decision="decline"),
        name="booking-request-decline",
    ),
    path(
        "calendar/self-booking/",
        views.SelfBookingSettingsView.as_view(),
        name="self-booking-settings",
    ),
    path("portal/book/", views.PortalBookView.as_view(), name="portal-book"),
    path(
        "portal/book/<int:pk>/withdraw/",
        views.PortalBookingWithdrawView.as_view(),
        name="portal-booking-withdraw",
    ),
    path("calendar/feed/", views.FeedIssueView.as_view(), name="feed-issue"),
    path("calendar/feed/<str:token>.ics", views.feed_ics, name="feed"),
    path("retreats/", views.RetreatListView.as_view(), name="retreat-list"),
    path("retreats/new/", views.RetreatCreateView.as_view(), name="retreat-create"),
    path("retreats/<int:pk>/", views.RetreatDetailView.as_view(), name="retreat-detail"),
    path(
        "retreats/<int:pk>/places/<int:enrollment>/cancel/",
        views.EnrollmentCancelView.as_view(),
        name="enrollment-cancel",
    ),
    path(
        "retreats/<int:pk>/timetable-runs/<int:run>/",
        views.TimetableRunView.as_view(),
        name="timetable-run",
    ),
    path(
        "retreats/<int:pk>/roster.pdf", views.RetreatRosterPdfView.as_view(), name="retreat-roster"
    ),
    # The confirm/cancel link of a session reminder (the messages themselves: messaging).
    path("r/<str:token>/", views.session_response, name="session-response"),
]
