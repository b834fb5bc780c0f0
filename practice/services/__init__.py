"""Writes with business rules, split by sub-domain; import from `practice.services`.

Every function is keyword-only, runs in one transaction, validates with `full_clean()`
before saving, and raises Django's ValidationError (400, per field) or a DomainError.
"""

from practice.services.alerts import safety_alert_acknowledge, safety_alert_raise
from practice.services.clinical_settings import clinical_settings_update
from practice.services.consents import (
    consent_countersign,
    consent_pdf,
    consent_render,
    consent_revoke,
    consent_sign,
    consent_template_create,
    consent_template_publish,
    consent_verify,
)
from practice.services.documents import document_review, document_upload, document_withdraw
from practice.services.dosing import (
    adverse_event_record,
    discharge_failures,
    dose_failures,
    dosing_discharge,
    dosing_observations_update,
    dosing_record_create,
    predose_gate_failures,
    session_gate_failures,
    vitals_record,
)
from practice.services.measures import measure_record
from practice.services.patients import (
    care_team_add,
    care_team_remove,
    diagnosis_add,
    diagnosis_remove,
    patient_create,
    patient_deactivate,
    patient_reactivate,
    patient_update,
)
from practice.services.plans import (
    plan_activate,
    plan_complete,
    plan_create,
    plan_discontinue,
    plan_move_to_maintenance,
    plan_target_change,
)
from practice.services.risk import risk_assessment_record, safety_plan_write
from practice.services.screening import (
    clinic_clinical_setup,
    screening_record,
    screening_sign_off,
)
from practice.services.sessions import (
    session_check_in,
    session_complete,
    session_create,
    session_mark_no_show,
    session_rules_check,
)
from practice.services.signatures import provider_signature_set

__all__ = [
    "adverse_event_record",
    "care_team_add",
    "care_team_remove",
    "clinic_clinical_setup",
    "clinical_settings_update",
    "consent_countersign",
    "consent_pdf",
    "consent_render",
    "consent_revoke",
    "consent_sign",
    "consent_template_create",
    "consent_template_publish",
    "consent_verify",
    "diagnosis_add",
    "diagnosis_remove",
    "discharge_failures",
    "document_review",
    "document_upload",
    "document_withdraw",
    "dose_failures",
    "dosing_discharge",
    "dosing_observations_update",
    "dosing_record_create",
    "measure_record",
    "patient_create",
    "patient_deactivate",
    "patient_reactivate",
    "patient_update",
    "plan_activate",
    "plan_complete",
    "plan_create",
    "plan_discontinue",
    "plan_move_to_maintenance",
    "plan_target_change",
    "predose_gate_failures",
    "provider_signature_set",
    "risk_assessment_record",
    "safety_alert_acknowledge",
    "safety_alert_raise",
    "safety_plan_write",
    "screening_record",
    "screening_sign_off",
    "session_check_in",
    "session_complete",
    "session_create",
    "session_gate_failures",
    "session_mark_no_show",
    "session_rules_check",
    "vitals_record",
]
