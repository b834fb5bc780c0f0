"""What happens after the dose while the record is open: vital signs (with alerts past the
clinic's thresholds), adverse events, the dissociation and sedation ratings and notes."""

import datetime

from django.db import transaction
from django.utils import timezone

from practice.choices import (
    AlertKind,
    AlertSeverity,
    Sedation,
)
from practice.errors import InvalidInput
from practice.models import (
    AdverseEvent,
    ClinicalSettings,
    DosingRecord,
    StaffMember,
    VitalSigns,
)
from practice.selectors import clinical_settings_for
from practice.services.alerts import safety_alert_raise
from practice.services.dosing._common import lock_record, require_medical, require_open


def vitals_out_of_range(
    settings: ClinicalSettings, *, systolic: int, diastolic: int, heart_rate: int, spo2: int
) -> list[str]:
    """What in a reading is past the clinic's alert thresholds (empty when all is well)."""
    problems = []
    if systolic >= settings.alert_systolic_at:
        problems.append(f"systolic {systolic} ≥ {settings.alert_systolic_at}")
    if diastolic >= settings.alert_diastolic_at:
        problems.append(f"diastolic {diastolic} ≥ {settings.alert_diastolic_at}")
    if heart_rate > settings.alert_heart_rate_above:
        problems.append(f"heart rate {heart_rate} > {settings.alert_heart_rate_above}")
    if heart_rate < settings.alert_heart_rate_below:
        problems.append(f"heart rate {heart_rate} < {settings.alert_heart_rate_below}")
    if spo2 < settings.alert_spo2_below:
        problems.append(f"SpO2 {spo2}% < {settings.alert_spo2_below}%")
    return problems


@transaction.atomic
def vitals_record(
    *,
    record: DosingRecord,
    by: StaffMember,
    systolic: int,
    diastolic: int,
    heart_rate: int,
    spo2: int,
    taken_at: datetime.datetime | None = None,
) -> VitalSigns:
    """Add a reading to the dose's series; a reading past the clinic's thresholds is flagged
    and raises a safety alert on the record and the care team's dashboards."""
    record = lock_record(record)
    require_medical(by, record.session.patient, "record vital signs")
    require_open(record)
    vitals = VitalSigns(
        dosing_record=record,
        taken_at=taken_at or timezone.now(),
        systolic=systolic,
        diastolic=diastolic,
        heart_rate=heart_rate,
        spo2=spo2,
        recorded_by=by,
    )
    vitals.full_clean()
    problems = vitals_out_of_range(
        clinical_settings_for(record.session.clinic_id),
        systolic=systolic,
        diastolic=diastolic,
        heart_rate=heart_rate,
        spo2=spo2,
    )
    vitals.out_of_range = bool(problems)
    vitals.save()
    if problems:
        local = timezone.localtime(vitals.taken_at, record.session.clinic.zone)
        safety_alert_raise(
            patient=record.session.patient,
            kind=AlertKind.VITALS,
            severity=AlertSeverity.WARNING,
            message=f"Vital signs out of range at {local:%H:%M}: " + "; ".join(problems) + ".",
            session=record.session,
            vital_signs=vitals,
        )
    return vitals


@transaction.atomic
def adverse_event_record(
    *,
    record: DosingRecord,
    by: StaffMember,
    kind: str,
    severity: str = "mild",
    description: str = "",
    action_taken: str = "",
    occurred_at: datetime.datetime | None = None,
) -> AdverseEvent:
    """Note an adverse event on the dose ('other' needs a description)."""
    record = lock_record(record)
    require_medical(by, record.session.patient, "record an adverse event")
    require_open(record)
    event = AdverseEvent(
        dosing_record=record,
        kind=kind,
        severity=severity,
        description=description.strip(),
        action_taken=action_taken.strip(),
        occurred_at=occurred_at or timezone.now(),
        recorded_by=by,
    )
    if kind == "other" and not event.description:
        raise InvalidInput("Describe the adverse event.")
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def dosing_observations_update(
    *,
    record: DosingRecord,
    by: StaffMember,
    dissociation_score: int | None = None,
    sedation: str | None = None,
    notes: str | None = None,
) -> DosingRecord:
    """Rate the peak dissociation (0–10), assess the deepest sedation (`Sedation`) and keep
    clinical notes on the dose. Fields left None stay as they are; a value that is not
    valid is refused (InvalidInput) and nothing changes."""
    record = lock_record(record)
    require_medical(by, record.session.patient, "update the dosing record")
    require_open(record)
    if sedation is not None and sedation not in Sedation.values:
        raise InvalidInput(
            "Choose the sedation: none, mild, moderate or severe.",
            extra={"fields": {"sedation": ["Choose none, mild, moderate or severe."]}},
        )
    if dissociation_score is not None:
        record.dissociation_score = dissociation_score
    if sedation is not None:
        record.sedation = sedation
    if notes is not None:
        record.notes = notes
    record.full_clean()
    record.save(update_fields=["dissociation_score", "sedation", "notes"])
    return record
