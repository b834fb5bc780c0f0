from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("reminders/", views.DeliveryLogView.as_view(), name="delivery-log"),
    path("reminders/<int:pk>/resend/", views.ReminderResendView.as_view(), name="reminder-resend"),
    path("portal/preferences/", views.PreferencesView.as_view(), name="preferences"),
]
