"""Practice pages, split by sub-domain; `practice.urls` routes them."""

from practice.views.clinic_settings import ClinicalSettingsView
from practice.views.clinical import (
    AlertListView,
    CycleWorklistView,
    PlanCreateView,
    PlanDetailView,
    ScreeningCreateView,
    ScreeningDetailView,
)
from practice.views.documents import (
    DocumentDownloadView,
    DocumentReviewListView,
    DocumentReviewView,
    DocumentWithdrawView,
    PatientDocumentUploadView,
    PortalDocumentsView,
)
from practice.views.measures import PortalQuestionnaireView, StaffQuestionnaireView
from practice.views.patients import (
    CareTeamAddView,
    CareTeamRemoveView,
    ClinicOverviewView,
    DashboardView,
    DiagnosisAddView,
    DiagnosisRemoveView,
    PatientDeactivateView,
    PatientDetailView,
    PatientFormView,
    PatientListView,
    PatientReactivateView,
    PatientSearchView,
    PortalView,
)
from practice.views.risk import RiskAssessmentCreateView, SafetyPlanEditView
from practice.views.sessions import (
    SessionConfirmView,
    SessionCreateView,
    SessionDetailView,
    SessionRemsFormView,
    SessionVitalsChartView,
)

__all__ = [
    "AlertListView",
    "CareTeamAddView",
    "CareTeamRemoveView",
    "ClinicOverviewView",
    "ClinicalSettingsView",
    "CycleWorklistView",
    "DashboardView",
    "DiagnosisAddView",
    "DiagnosisRemoveView",
    "DocumentDownloadView",
    "DocumentReviewListView",
    "DocumentReviewView",
    "DocumentWithdrawView",
    "PatientDeactivateView",
    "PatientDetailView",
    "PatientDocumentUploadView",
    "PatientFormView",
    "PatientListView",
    "PatientReactivateView",
    "PatientSearchView",
    "PlanCreateView",
    "PlanDetailView",
    "PortalDocumentsView",
    "PortalQuestionnaireView",
    "PortalView",
    "RiskAssessmentCreateView",
    "SafetyPlanEditView",
    "ScreeningCreateView",
    "ScreeningDetailView",
    "SessionConfirmView",
    "SessionCreateView",
    "SessionDetailView",
    "SessionRemsFormView",
    "SessionVitalsChartView",
    "StaffQuestionnaireView",
]
