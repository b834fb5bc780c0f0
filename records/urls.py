from django.urls import path

from records import views

app_name = "records"

urlpatterns = [
    path("portal/record.pdf", views.MyRecordDownloadView.as_view(fmt="pdf"), name="my-pdf"),
    path(
        "portal/record.fhir.json",
        views.MyRecordDownloadView.as_view(fmt="fhir"),
        name="my-fhir",
    ),
    path(
        "patients/<int:pk>/record.pdf",
        views.PatientRecordDownloadView.as_view(fmt="pdf"),
        name="patient-pdf",
    ),
    path(
        "patients/<int:pk>/record.fhir.json",
        views.PatientRecordDownloadView.as_view(fmt="fhir"),
        name="patient-fhir",
    ),
]
