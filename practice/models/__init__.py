"""Clinics, the people in them, and the clinical record they share.

Every clinic-owned row carries `clinic_id` so that one database can serve many clinics and
every queryset can be scoped by clinic (see `practice.querysets`). One module per part of
the record; everything is importable from `practice.models` as before.
"""

# Migrations name these defaults by their old path (practice.models._default_…).
from practice.models.clinical_settings import (  # noqa: F401
    ClinicalSettings,
    _default_after_dose_hours,
    _default_instruments,
)
from practice.models.clinical_settings_rules import ROUTE_SETTING_PREFIX
from practice.models.clinics import (
    AddressFields,
    Clinic,
    Room,
    StaffMember,
)
from practice.models.consents import (
    Consent,
    ConsentTemplate,
)
from practice.models.documents import PatientDocument
from practice.models.measures import (
    MeasureResponse,
    SafetyAlert,
)
from practice.models.patients import (
    CareTeam,
    Diagnosis,
    Patient,
)
from practice.models.plans import (
    PlanTargetChange,
    TreatmentPlan,
)
from practice.models.risk import (
    RiskAssessment,
    SafetyPlan,
)
from practice.models.screening import (
    Contraindication,
    Screening,
    ScreeningFinding,
)
from practice.models.sessions import (
    AdverseEvent,
    DosingRecord,
    Session,
    VitalSigns,
)
from practice.models.signatures import ProviderSignature

__all__ = [
    "ROUTE_SETTING_PREFIX",
    "AddressFields",
    "AdverseEvent",
    "CareTeam",
    "Clinic",
    "ClinicalSettings",
    "Consent",
    "ConsentTemplate",
    "Contraindication",
    "Diagnosis",
    "DosingRecord",
    "MeasureResponse",
    "Patient",
    "PatientDocument",
    "PlanTargetChange",
    "ProviderSignature",
    "RiskAssessment",
    "Room",
    "SafetyAlert",
    "SafetyPlan",
    "Screening",
    "ScreeningFinding",
    "Session",
    "StaffMember",
    "TreatmentPlan",
    "VitalSigns",
]
