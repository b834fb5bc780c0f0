"""Practice's forms, one module per page area (the views are split the same way):
`patients`, `sessions` (booking, the dose and the bedside), `clinical` (screening, plans,
alerts), `measures`, `risk` and `clinic_settings`. They validate input for the services and
never save on their own; everything is importable from `practice.forms` as before.
"""

from practice.forms.clinic_settings import ClinicalSettingsForm
from practice.forms.clinical import (
    AcknowledgeForm,
    PlanForm,
    PlanTargetForm,
    ReasonForm,
    ScreeningForm,
)
from practice.forms.consents import ConsentRevokeForm, ConsentSignForm, ConsentTemplateForm
from practice.forms.documents import DocumentForm, WithdrawForm
from practice.forms.measures import QuestionnaireForm
from practice.forms.patients import (
    PATIENT_FORM_FIELDS,
    CareTeamForm,
    DiagnosisForm,
    PatientForm,
)
from practice.forms.risk import YES_NO, RiskAssessmentForm, SafetyPlanForm
from practice.forms.sessions import (
    AdverseEventForm,
    DateTimeLocalInput,
    DischargeForm,
    DosingForm,
    EsketamineDischargeForm,
    ObservationsForm,
    SessionForm,
    VitalsForm,
)

__all__ = [
    "PATIENT_FORM_FIELDS",
    "YES_NO",
    "AcknowledgeForm",
    "AdverseEventForm",
    "CareTeamForm",
    "ClinicalSettingsForm",
    "ConsentRevokeForm",
    "ConsentSignForm",
    "ConsentTemplateForm",
    "DateTimeLocalInput",
    "DiagnosisForm",
    "DischargeForm",
    "DocumentForm",
    "DosingForm",
    "EsketamineDischargeForm",
    "ObservationsForm",
    "PatientForm",
    "PlanForm",
    "PlanTargetForm",
    "QuestionnaireForm",
    "ReasonForm",
    "RiskAssessmentForm",
    "SafetyPlanForm",
    "ScreeningForm",
    "SessionForm",
    "VitalsForm",
    "WithdrawForm",
]
