"""A clinic's clinical settings: the thresholds and schedules the safety rules compare against."""

from django.db import transaction

from backend.roles import ADMIN
from practice.errors import InvalidInput, RoleNotAllowed
from practice.models import ROUTE_SETTING_PREFIX, Clinic, ClinicalSettings, StaffMember

# What a clinic admin may change; the row's clinic and timestamp are not settings.
EDITABLE_FIELDS = (
    "predose_systolic_refuse_at",
    "predose_diastolic_refuse_at",
    "predose_spo2_refuse_below",
    "predose_heart_rate_refuse_above",
    "predose_heart_rate_refuse_below",
    "fasting_hours",
    "weight_confirm_percent",
    "dose_plan_margin_percent",
    *(
        f"{prefix}_dose_{end}_mg_per_kg"
        for prefix in ROUTE_SETTING_PREFIX.values()
        for end in ("min", "max")
    ),
    *(f"{prefix}_observe_minutes" for prefix in ROUTE_SETTING_PREFIX.values()),
    "esketamine_observe_minutes",
    "esketamine_bp_check_from_minutes",
    "esketamine_bp_check_until_minutes",
    "discharge_systolic_below",
    "discharge_diastolic_below",
    "discharge_spo2_at_least",
    "discharge_baseline_tolerance_percent",
    "alert_systolic_at",
    "alert_diastolic_at",
    "alert_heart_rate_above",
    "alert_heart_rate_below",
    "alert_spo2_below",
    "screening_valid_months",
    "integration_within_days",
    "measure_instruments",
    "measure_baseline_before_first_dose",
    "measure_after_dose_hours",
    "measure_maintenance_days",
    "staff_idle_timeout_minutes",
)


@transaction.atomic
def clinical_settings_update(*, clinic: Clinic, by: StaffMember, **fields) -> ClinicalSettings:
    """Change some of `clinic`'s clinical settings (an admin of that clinic only).

    Locks the clinic's settings row (creating it with the defaults on first change), applies
    `fields`, and validates the whole row with `full_clean()`: each number within sane
    bounds, the thresholds coherent with one another (a pre-dose refusal at least as strict
    as the in-session alert, diastolic below systolic, each low limit below its high one,
    each route's lowest dose below its highest, discharge limits inside the alert levels),
    questionnaires from the known instruments, hours after a dose positive. Raises
    RoleNotAllowed (403) for anyone else, InvalidInput for a name that is not a setting, and
    ValidationError with every problem per field; on any error nothing changes. The change is
    in the audit log (django-auditlog) with who made it.
    """
    if by.role != ADMIN or by.clinic_id != clinic.pk or not by.is_active:
        raise RoleNotAllowed("Only an admin of this clinic may change its clinical settings.")
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(
            f"Not a clinical setting: {', '.join(unknown)}.",
            extra={"fields": {name: ["Not a clinical setting."] for name in unknown}},
        )
    ClinicalSettings.objects.get_or_create(clinic=clinic)
    settings = ClinicalSettings.objects.select_for_update().get(clinic=clinic)
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.measure_after_dose_hours = sorted(settings.measure_after_dose_hours)
    settings.save()
    return settings
