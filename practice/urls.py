from django.urls import path

from practice import views

app_name = "practice"

urlpatterns = [
    path("patients/", views.PatientListView.as_view(), name="patient-list"),
    path("patients/search/", views.PatientSearchView.as_view(), name="patient-search"),
    path("patients/new/", views.PatientFormView.as_view(), name="patient-create"),
    path("patients/<int:pk>/", views.PatientDetailView.as_view(), name="patient-detail"),
    path("patients/<int:pk>/access/", views.PatientAccessView.as_view(), name="patient-access"),
    path("patients/<int:pk>/edit/", views.PatientFormView.as_view(), name="patient-edit"),
    path("patients/<int:pk>/diagnoses/", views.DiagnosisAddView.as_view(), name="diagnosis-add"),
    path(
        "patients/<int:pk>/deactivate/",
        views.PatientDeactivateView.as_view(),
        name="patient-deactivate",
    ),
    path(
        "patients/<int:pk>/reactivate/",
        views.PatientReactivateView.as_view(),
        name="patient-reactivate",
    ),
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
    path("account/signature/", views.ProviderSignatureView.as_view(), name="my-signature"),
    path(
        "clinic/staff/<int:staff_pk>/signature/",
        views.ProviderSignatureView.as_view(),
        name="staff-signature",
    ),
    path(
        "clinic/settings/clinical/",
        views.ClinicalSettingsView.as_view(),
        name="clinical-settings",
    ),
    path(
        "patients/<int:pk>/screenings/new/",
        views.ScreeningCreateView.as_view(),
        name="screening-create",
    ),
    path("patients/<int:pk>/plans/new/", views.PlanCreateView.as_view(), name="plan-create"),
    path(
        "patients/<int:pk>/sessions/new/",
        views.SessionCreateView.as_view(),
        name="session-create",
    ),
    path(
        "patients/<int:pk>/measures/new/",
        views.StaffQuestionnaireView.as_view(),
        name="measure-enter",
    ),
    path(
        "patients/<int:pk>/risk-assessments/new/",
        views.RiskAssessmentCreateView.as_view(),
        name="risk-assessment-create",
    ),
    path(
        "patients/<int:pk>/safety-plan/",
        views.SafetyPlanEditView.as_view(),
        name="safety-plan-edit",
    ),
    path(
        "portal/questionnaires/<str:instrument>/",
        views.PortalQuestionnaireView.as_view(),
        name="portal-questionnaire",
    ),
    path("screenings/<int:pk>/", views.ScreeningDetailView.as_view(), name="screening-detail"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan-detail"),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session-detail"),
    path("sessions/<int:pk>/join/", views.SessionJoinView.as_view(), name="session-join"),
    path(
        "sessions/<int:pk>/vitals-chart/",
        views.SessionVitalsChartView.as_view(),
        name="session-vitals-chart",
    ),
    path(
        "sessions/<int:pk>/confirm/<str:action>/",
        views.SessionConfirmView.as_view(),
        name="session-confirm",
    ),
    path(
        "sessions/<int:pk>/rems-form/",
        views.SessionRemsFormView.as_view(),
        name="session-rems-form",
    ),
    path(
        "patients/<int:pk>/documents/",
        views.PatientDocumentUploadView.as_view(),
        name="document-upload",
    ),
    path("portal/documents/", views.PortalDocumentsView.as_view(), name="portal-documents"),
    path(
        "documents/to-review/",
        views.DocumentReviewListView.as_view(),
        name="document-review-list",
    ),
    path(
        "documents/<int:pk>/download/",
        views.DocumentDownloadView.as_view(),
        name="document-download",
    ),
    path("documents/<int:pk>/review/", views.DocumentReviewView.as_view(), name="document-review"),
    path(
        "documents/<int:pk>/withdraw/",
        views.DocumentWithdrawView.as_view(),
        name="document-withdraw",
    ),
    path("alerts/", views.AlertListView.as_view(), name="alert-list"),
    path("worklist/kap-cycle/", views.CycleWorklistView.as_view(), name="cycle-worklist"),
    path("today/", views.DashboardView.as_view(), name="dashboard"),
    path("portal/", views.PortalView.as_view(), name="portal"),
    path(
        "consent-templates/",
        views.ConsentTemplateListView.as_view(),
        name="consent-template-list",
    ),
    path(
        "consent-templates/new/",
        views.ConsentTemplateCreateView.as_view(),
        name="consent-template-create",
    ),
    path(
        "consent-templates/<int:pk>/new-version/",
        views.ConsentTemplateCreateView.as_view(),
        name="consent-template-new-version",
    ),
    path(
        "consent-templates/<int:pk>/publish/",
        views.ConsentTemplatePublishView.as_view(),
        name="consent-template-publish",
    ),
    path("consents/<int:pk>/", views.ConsentDetailView.as_view(), name="consent-detail"),
    path(
        "consents/<int:pk>/countersign/",
        views.ConsentCountersignView.as_view(),
        name="consent-countersign",
    ),
    path("consents/<int:pk>/revoke/", views.ConsentRevokeView.as_view(), name="consent-revoke"),
    path("consents/<int:pk>/pdf/", views.ConsentPdfView.as_view(), name="consent-pdf"),
    path("portal/consents/", views.PortalConsentsView.as_view(), name="portal-consents"),
    path(
        "portal/consents/<int:pk>/sign/",
        views.PortalConsentSignView.as_view(),
        name="portal-consent-sign",
    ),
]
