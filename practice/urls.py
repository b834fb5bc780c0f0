from django.urls import path

from practice import views

app_name = "practice"

urlpatterns = [
    path("patients/", views.PatientListView.as_view(), name="patient-list"),
    path("patients/new/", views.PatientFormView.as_view(), name="patient-create"),
    path("patients/<int:pk>/", views.PatientDetailView.as_view(), name="patient-detail"),
    path("patients/<int:pk>/edit/", views.PatientFormView.as_view(), name="patient-edit"),
    path("patients/<int:pk>/diagnoses/", views.DiagnosisAddView.as_view(), name="diagnosis-add"),
    path(
        "patients/<int:pk>/diagnoses/<int:diagnosis_pk>/remove/",
        views.DiagnosisRemoveView.as_view(),
        name="diagnosis-remove",
    ),
    path("patients/<int:pk>/care-team/", views.CareTeamAddView.as_view(), name="care-team-add"),
    path(
        "patients/<int:pk>/care-team/<int:staff_pk>/remove/",
        views.CareTeamRemoveView.as_view(),
        name="care-team-remove",
    ),
    path("clinic/", views.ClinicOverviewView.as_view(), name="clinic-overview"),
    path("today/", views.DashboardView.as_view(), name="dashboard"),
    path("portal/", views.PortalView.as_view(), name="portal"),
]
