"""Dosing: the pre-dose safety gate, the dose, vitals with alerts, adverse events, discharge.

Only medical staff record any of it. Every refusal changes nothing.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from practice.choices import AlertKind, AlertSeverity, SessionKind, SessionStatus
from practice.errors import (
    DosingGateRefused,
    DosingNotAllowed,
    DosingRecordRefused,
    InvalidInput,
)
from practice.models import (
    AdverseEvent,
    ClinicalSettings,
    DosingRecord,
    Session,
    StaffMember,
    VitalSigns,
)
from practice.selectors import clinical_settings_for, risk_hold_reasons, screening_current
from practice.services._common import require_same_clinic
from practice.services.alerts import safety_alert_raise
from practice.services.sessions import clinic_date


def _require_medical(by: StaffMember, patient, doing: str) -> None:
    require_same_clinic(by, patient)
    if by.role != "medical":
        raise DosingNotAllowed(f"Only medical staff may {doing}.")


def predose_gate_failures(
    *,
    session: Session,
    escort_confirmed: bool,
    fasting_confirmed: bool,
    predose_systolic: int | None,
    predose_diastolic: int | None,
    settings: ClinicalSettings | None = None,
    on: datetime.date | None = None,
) -> list[tuple[str, str]]:
    """Every reason the pre-dose gate refuses, as (code, message); empty when it opens.

    Pure read: the dose form shows it live and `dosing_record_create` enforces it.
    """
    settings = settings or clinical_settings_for(session.clinic_id)
    on = on or clinic_date(session.clinic, timezone.now())
    failures: list[tuple[str, str]] = []
    if screening_current(patient=session.patient, on=on) is None:
        failures.append(("screening", "The patient has no cleared, unexpired screening for today."))
    plan = session.plan
    if plan is None or not plan.is_running:
        status = plan.get_status_display().lower() if plan else "missing"
        failures.append(("plan", f"The treatment plan is not active (it is {status})."))
    if not escort_confirmed:
        failures.append(("escort", "Confirm the escort / driver who will take the patient home."))
    if not fasting_confirmed:
        failures.append(
            ("fasting", f"Confirm the patient has fasted for {settings.fasting_hours} hours.")
        )
    if predose_systolic is None or predose_diastolic is None:
        failures.append(("blood_pressure", "Take the pre-dose blood pressure."))
    elif (
        predose_systolic >= settings.predose_systolic_refuse_at
        or predose_diastolic >= settings.predose_diastolic_refuse_at
    ):
        failures.append(
            (
                "blood_pressure",
                f"Pre-dose blood pressure {predose_systolic}/{predose_diastolic} is at or above "
                f"the clinic's limit ({settings.predose_systolic_refuse_at}/"
                f"{settings.predose_diastolic_refuse_at}).",
            )
        )
    # Suicide risk: an open urgent alert, or a moderate/high assessment without a safety plan.
    failures.extend(risk_hold_reasons(patient=session.patient))
    return failures


def _lock_session(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("clinic", "patient", "plan")
        .get(pk=session.pk)
    )


@transaction.atomic
def dosing_record_create(
    *,
    session: Session,
    by: StaffMember,
    dose_mg: Decimal,
    weight_kg: Decimal,
    escort_confirmed: bool,
    fasting_confirmed: bool,
    predose_systolic: int | None,
    predose_diastolic: int | None,
    predose_heart_rate: int | None = None,
    predose_spo2: int | None = None,
    route: str | None = None,
    lot=None,
    administered_at: datetime.datetime | None = None,
    notes: str = "",
) -> DosingRecord:
    """Record the dose given in a checked-in dosing session, behind the pre-dose gate.

    Locks the session row (one dose per session). Refuses, changing nothing, unless `by`
    is medical staff of the clinic (DosingNotAllowed, 403), the session is a checked-in
    dosing session (DosingRecordRefused), and the gate opens (DosingGateRefused, listing
    every failed check in `extra["reasons"]`): screening cleared and unexpired, plan
    active, escort and fasting confirmed, pre-dose blood pressure under the clinic's
    threshold. The route defaults to the plan's; mg/kg is computed from the weight.

    The dose is drawn from `lot` (a `controlled.Lot`, required): in the same
    transaction the controlled-substance ledger records the administration, locking the
    lot row and refusing an expired lot or a dose beyond its balance (LotExpired,
    InsufficientStock, 409), so no dose exists without its ledger entry.
    """
    session = _lock_session(session)
    _require_medical(by, session.patient, "record a dose")
    if session.kind != SessionKind.DOSING:
        raise DosingRecordRefused("A dose can only be recorded in a dosing session.")
    if DosingRecord.objects.filter(session=session).exists():
        raise DosingRecordRefused("A dose is already recorded for this session.")
    if session.status != SessionStatus.CHECKED_IN:
        raise DosingRecordRefused(
            f"Check the patient in first (the session is {session.get_status_display().lower()})."
        )
    failures = predose_gate_failures(
        session=session,
        escort_confirmed=escort_confirmed,
        fasting_confirmed=fasting_confirmed,
        predose_systolic=predose_systolic,
        predose_diastolic=predose_diastolic,
    )
    if failures:
        raise DosingGateRefused(
            "Dosing refused: " + " ".join(message for _, message in failures),
            extra={"reasons": [code for code, _ in failures]},
        )
    weight_kg = Decimal(weight_kg)
    if weight_kg <= 0:
        raise InvalidInput("Enter the patient's weight in kg.")
    if lot is None:
        raise InvalidInput("Choose the lot the dose is drawn from (in stock and not expired).")
    record = DosingRecord(
        session=session,
        route=route or session.plan.route,
        dose_mg=dose_mg,
        weight_kg=weight_kg,
        dose_mg_per_kg=(Decimal(dose_mg) / weight_kg).quantize(
            Decimal("0.001"), rounding=ROUND_HALF_UP
        ),
        lot_number=lot.lot_number,
        administered_at=administered_at or timezone.now(),
        administered_by=by,
        escort_confirmed=escort_confirmed,
        fasting_confirmed=fasting_confirmed,
        predose_systolic=predose_systolic,
        predose_diastolic=predose_diastolic,
        predose_heart_rate=predose_heart_rate,
        predose_spo2=predose_spo2,
        notes=notes,
    )
    record.full_clean()
    record.save()
    # The one place practice calls the ledger: the dose and its administration entry
    # commit together or not at all.
    from controlled.services import administration_record

    administration_record(dosing_record=record, lot=lot, recorded_by=by)
    return record


def _lock_record(record: DosingRecord) -> DosingRecord:
    return (
        DosingRecord.objects.select_for_update(of=("self",))
        .select_related("session__patient", "session__clinic")
        .get(pk=record.pk)
    )


def _require_open(record: DosingRecord) -> None:
    if record.session.status in (SessionStatus.COMPLETED, SessionStatus.CANCELLED):
        raise DosingRecordRefused(
            f"The session is {record.session.get_status_display().lower()}; its record is closed."
        )


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
    record = _lock_record(record)
    _require_medical(by, record.session.patient, "record vital signs")
    _require_open(record)
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
        local = timezone.localtime(vitals.taken_at, ZoneInfo(record.session.clinic.timezone))
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
    record = _lock_record(record)
    _require_medical(by, record.session.patient, "record an adverse event")
    _require_open(record)
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
    notes: str | None = None,
) -> DosingRecord:
    """Rate the peak dissociation (0–10) and keep clinical notes on the dose."""
    record = _lock_record(record)
    _require_medical(by, record.session.patient, "update the dosing record")
    _require_open(record)
    if dissociation_score is not None:
        record.dissociation_score = dissociation_score
    if notes is not None:
        record.notes = notes
    record.full_clean()
    record.save(update_fields=["dissociation_score", "notes"])
    return record


@transaction.atomic
def dosing_discharge(
    *,
    record: DosingRecord,
    by: StaffMember,
    vitals_near_baseline: bool,
    alert_and_oriented: bool,
    escort_present: bool,
    at: datetime.datetime | None = None,
) -> DosingRecord:
    """Discharge the patient: all three checklist items, or a refusal naming what is missing."""
    record = _lock_record(record)
    _require_medical(by, record.session.patient, "discharge a patient")
    _require_open(record)
    if record.discharged_at is not None:
        raise DosingRecordRefused("The patient is already discharged.")
    missing = [
        label
        for done, label in (
            (vitals_near_baseline, "vital signs back near baseline"),
            (alert_and_oriented, "alert and oriented"),
            (escort_present, "escort present"),
        )
        if not done
    ]
    if missing:
        raise DosingRecordRefused("Discharge needs: " + ", ".join(missing) + ".")
    record.discharge_vitals_near_baseline = True
    record.discharge_alert_and_oriented = True
    record.discharge_escort_present = True
    record.discharged_at = at or timezone.now()
    record.discharged_by = by
    record.full_clean()
    record.save()
    return record
