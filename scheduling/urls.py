from django.urls import path

from scheduling import views

app_name = "scheduling"

urlpatterns: list = [
    # Reminders and the patient message outbox
    path("reminders/", views.DeliveryLogView.as_view(), name="delivery-log"),
    path("reminders/<int:pk>/resend/", views.ReminderResendView.as_view(), name="reminder-resend"),
    path("portal/preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("r/<str:token>/", views.session_response, name="session-response"),
]
