"""Reads, scoped to who is asking. Split by sub-domain; import from `practice.selectors`."""

from practice.selectors.clinical import (
    alert_list,
    clinical_settings_for,
    contraindication_list,
    dose_history,
    kap_cycle_gaps,
    plan_get,
    plan_list,
    plan_progress,
    plan_running_for,
    screening_current,
    screening_list,
    session_get,
    session_list,
)
from practice.selectors.measures import (
    DueMeasure,
    MeasureSummary,
    measure_list,
    measure_summaries,
    measures_due,
    patients_with_measures_due,
)
from practice.selectors.patients import (
    care_team_candidates,
    clinic_overview,
    patient_get,
    patient_list,
    staff_list,
)

__all__ = [
    "DueMeasure",
    "MeasureSummary",
    "alert_list",
    "care_team_candidates",
    "clinic_overview",
    "clinical_settings_for",
    "contraindication_list",
    "dose_history",
    "kap_cycle_gaps",
    "measure_list",
    "measure_summaries",
    "measures_due",
    "patient_get",
    "patient_list",
    "patients_with_measures_due",
    "plan_get",
    "plan_list",
    "plan_progress",
    "plan_running_for",
    "screening_current",
    "screening_list",
    "session_get",
    "session_list",
    "staff_list",
]
