from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("reminders/", views.DeliveryLogView.as_view(), name="delivery-log"),
    path("reminders/<int:pk>/resend/", views.ReminderResendView.as_view(), name="reminder-resend"),
    path("portal/preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("portal/messages/", views.PortalMessagesView.as_view(), name="portal-messages"),
    path("portal/messages/new/", views.PortalThreadStartView.as_view(), name="portal-thread-new"),
    path("portal/messages/<int:pk>/", views.PortalThreadView.as_view(), name="portal-thread"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/<int:pk>/", views.InboxThreadView.as_view(), name="inbox-thread"),
    path(
        "inbox/<int:pk>/clear-flag/", views.ThreadClearFlagView.as_view(), name="thread-clear-flag"
    ),
]
