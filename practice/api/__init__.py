"""Practice API: patients, screenings, treatment plans, sessions (dosing, vitals), measures,
safety alerts, risk assessments, safety plans and consents. Split by sub-domain; `register_routes`
puts them on the project's router."""

from practice.api.clinic_settings import ClinicalSettingsViewSet
from practice.api.clinical import ScreeningViewSet, TreatmentPlanViewSet
from practice.api.consents import ConsentTemplateViewSet, ConsentViewSet
from practice.api.documents import DocumentViewSet
from practice.api.measures import MeasureViewSet, SafetyAlertViewSet
from practice.api.patients import PatientViewSet
from practice.api.risk import RiskAssessmentViewSet, SafetyPlanViewSet
from practice.api.sessions import SessionSerializer, SessionViewSet

__all__ = [
    "ClinicalSettingsViewSet",
    "ConsentTemplateViewSet",
    "ConsentViewSet",
    "DocumentViewSet",
    "MeasureViewSet",
    "PatientViewSet",
    "RiskAssessmentViewSet",
    "SafetyAlertViewSet",
    "SafetyPlanViewSet",
    "ScreeningViewSet",
    "SessionSerializer",
    "SessionViewSet",
    "TreatmentPlanViewSet",
    "register_routes",
]


def register_routes(router) -> None:
    router.register("patients", PatientViewSet, basename="patient")
    router.register("screenings", ScreeningViewSet, basename="screening")
    router.register("treatment-plans", TreatmentPlanViewSet, basename="treatment-plan")
    # scheduling registers a subclass under the same prefix to add booking, cancel, reschedule.
    router.register("sessions", SessionViewSet, basename="session")
    router.register("measures", MeasureViewSet, basename="measure")
    router.register("safety-alerts", SafetyAlertViewSet, basename="safety-alert")
    router.register("risk-assessments", RiskAssessmentViewSet, basename="risk-assessment")
    router.register("safety-plans", SafetyPlanViewSet, basename="safety-plan")
    router.register("documents", DocumentViewSet, basename="document")
    router.register("clinical-settings", ClinicalSettingsViewSet, basename="clinical-settings")
    router.register("consent-templates", ConsentTemplateViewSet, basename="consent-template")
    router.register("consents", ConsentViewSet, basename="consent")
