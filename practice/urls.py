from django.urls import path

from practice import views

app_name = "practice"

urlpatterns = [
    path("patients/", views.PatientListView.as_view(), name="patient-list"),
    path("patients/new/", views.PatientFormView.as_view(), name="patient-create"),
    path("patients/<int:pk>/", views.PatientDetailView.as_view(), name="patient-detail"),
    path("patients/<int:pk>/edit/", views.PatientFormView.as_view(), name="patient-edit"),
    path("today/", views.DashboardView.as_view(), name="dashboard"),
    path("portal/", views.PortalView.as_view(), name="portal"),
]
