"""Dosing: the pre-dose safety gate, the dose, vitals with alerts, adverse events, discharge.

Only medical staff record any of it. Every refusal changes nothing.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from practice import esketamine, ledger
from practice.choices import (
    AlertKind,
    AlertSeverity,
    PlanStatus,
    Route,
    Sedation,
    SessionKind,
    SessionStatus,
)
from practice.errors import (
    DischargeRefused,
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
    TreatmentPlan,
    VitalSigns,
)
from practice.selectors import (
    clinical_settings_for,
    plan_progress,
    risk_hold_reasons,
    screening_current,
    screening_problem,
)
from practice.services._common import require_same_clinic
from practice.services.alerts import safety_alert_raise
from practice.services.esketamine import esketamine_discharge_failures


def _require_medical(by: StaffMember, patient, doing: str) -> None:
    require_same_clinic(by, patient)
    if by.role != "medical":
        raise DosingNotAllowed(f"Only medical staff may {doing}.")


def session_gate_failures(
    *,
    session: Session,
    settings: ClinicalSettings | None = None,
    on: datetime.date | None = None,
) -> list[tuple[str, str]]:
    """What the gate knows before the bedside checks, as (code, message): the patient's
    newest screening clears them on `on`, the plan is running, an induction plan has not
    reached its target, and no suicide risk holds dosing (`risk_hold_reasons`). Pure read:
    the dose form shows it before anything is typed."""
    on = on or session.clinic.today()
    failures: list[tuple[str, str]] = []
    problem = screening_problem(screening_current(patient=session.patient, on=on), on)
    if problem:
        failures.append(
            ("screening", f"The patient has no cleared, unexpired screening for today: {problem}.")
        )
    plan = session.plan
    if plan is None or not plan.is_running:
        status = plan.get_status_display().lower() if plan else "missing"
        failures.append(("plan", f"The treatment plan is not active (it is {status})."))
    elif plan.status == PlanStatus.ACTIVE:
        given = plan_progress(plan).induction_doses
        if given >= plan.induction_target_sessions:
            failures.append(
                (
                    "induction_target",
                    f"The plan's induction target is reached ({given} of "
                    f"{plan.induction_target_sessions} induction doses): move the plan to "
                    "maintenance, or medical staff change the target with a reason.",
                )
            )
    # Suicide risk: an open urgent alert, or a moderate/high assessment without a safety plan.
    failures.extend(risk_hold_reasons(patient=session.patient))
    return failures


def predose_gate_failures(
    *,
    session: Session,
    escort_confirmed: bool,
    fasting_confirmed: bool,
    predose_systolic: int | None,
    predose_diastolic: int | None,
    predose_heart_rate: int | None = None,
    predose_spo2: int | None = None,
    settings: ClinicalSettings | None = None,
    on: datetime.date | None = None,
) -> list[tuple[str, str]]:
    """Every reason the pre-dose gate refuses before the dose itself, as (code, message):
    `session_gate_failures`, then escort, fasting, blood pressure, SpO2 and heart rate
    against the clinic's limits. Empty when it opens. Pure read."""
    settings = settings or clinical_settings_for(session.clinic_id)
    failures = session_gate_failures(session=session, settings=settings, on=on)
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
    if predose_spo2 is None:
        failures.append(("spo2", "Take the pre-dose SpO2."))
    elif predose_spo2 < settings.predose_spo2_refuse_below:
        failures.append(
            (
                "spo2",
                f"Pre-dose SpO2 {predose_spo2}% is below the clinic's limit "
                f"({settings.predose_spo2_refuse_below}%).",
            )
        )
    if predose_heart_rate is None:
        failures.append(("heart_rate", "Take the pre-dose heart rate."))
    elif predose_heart_rate > settings.predose_heart_rate_refuse_above:
        failures.append(
            (
                "heart_rate",
                f"Pre-dose heart rate {predose_heart_rate} is above the clinic's limit "
                f"({settings.predose_heart_rate_refuse_above}).",
            )
        )
    elif predose_heart_rate < settings.predose_heart_rate_refuse_below:
        failures.append(
            (
                "heart_rate",
                f"Pre-dose heart rate {predose_heart_rate} is below the clinic's limit "
                f"({settings.predose_heart_rate_refuse_below}).",
            )
        )
    return failures


# The dose checks a medical override may answer (with a reason); every other check is a
# hard stop.
OVERRIDABLE = ("dose_range", "dose_plan")
# Where each reason points on the form and in the API, for `fields` of the refusal.
REASON_FIELDS = {
    "escort": "escort_confirmed",
    "fasting": "fasting_confirmed",
    "blood_pressure": "predose_systolic",
    "spo2": "predose_spo2",
    "heart_rate": "predose_heart_rate",
    "weight": "weight_confirmed",
    "route": "route",
    "dose_range": "dose_mg",
    "dose_range_unset": "route",
    "dose_plan": "dose_mg",
    "esketamine_dose": "dose_mg",
    "override_reason": "dose_override_reason",
    "lot": "lot_id",
    "lot_expired": "lot_id",
    "formulation": "lot_id",
    "stock": "lot_id",
    "drawn": "drawn_mg",
}


def _fields_of(failures: list[tuple[str, str]], field_of: dict) -> dict[str, list[str]]:
    """The form fields the failed checks concern, each with its messages (for `fields`)."""
    fields: dict[str, list[str]] = {}
    for code, message in failures:
        if code in field_of:
            fields.setdefault(field_of[code], []).append(message)
    return fields


def _percent_off(value: Decimal, reference: Decimal) -> Decimal:
    if reference <= 0:
        return Decimal("Infinity") if value != reference else Decimal(0)
    return abs(value - reference) * 100 / reference


def _mg_per_kg(dose_mg: Decimal, weight_kg: Decimal) -> Decimal:
    return (Decimal(dose_mg) / Decimal(weight_kg)).quantize(Decimal("0.001"), ROUND_HALF_UP)


def _fmt(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def _route_failure(route: str, plan: TreatmentPlan) -> tuple[str, str]:
    return (
        "route",
        f"The dose is {Route(route).label}, but the plan's route is "
        f"{plan.get_route_display()}; change the plan to dose by another route.",
    )


def dose_failures(
    *,
    session: Session,
    dose_mg: Decimal,
    weight_kg: Decimal,
    route: str,
    weight_confirmed: bool = False,
    settings: ClinicalSettings | None = None,
    on: datetime.date | None = None,
) -> list[tuple[str, str]]:
    """What is wrong with the dose itself, as (code, message); empty when nothing is.

    - weight: more than the clinic's `weight_confirm_percent` off the newest screening's
      weight, unless re-weighed and confirmed (`weight_confirmed`);
    - route: not the plan's route (change the plan instead);
    - dose_range: mg/kg outside the clinic's range for the route;
    - dose_plan: mg/kg more than `dose_plan_margin_percent` off both the plan's starting
      dose and the last dose given under the plan (so the titration so far is the
      reference, step by step).
    The last two (`OVERRIDABLE`) may be answered by a medical override with a reason.

    Esketamine is not dosed by weight: its dose is one of the label's two (56 mg, 84 mg;
    `esketamine_dose`, a hard stop no override answers) and no mg/kg range, plan margin or
    weight check applies.
    """
    settings = settings or clinical_settings_for(session.clinic_id)
    on = on or session.clinic.today()
    plan = session.plan
    failures: list[tuple[str, str]] = []
    off_plan_route = plan is not None and route != plan.route
    if esketamine.is_esketamine(route):
        if off_plan_route:
            failures.append(_route_failure(route, plan))
        if not esketamine.allowed_dose(dose_mg):
            failures.append(
                (
                    "esketamine_dose",
                    f"{_fmt(dose_mg)} mg is not an esketamine dose: the label gives "
                    f"{esketamine.doses_text()} per session, nothing else.",
                )
            )
        return failures
    screening = screening_current(patient=session.patient, on=on)
    if screening is not None and not weight_confirmed:
        off = _percent_off(weight_kg, screening.weight_kg)
        if off > settings.weight_confirm_percent:
            failures.append(
                (
                    "weight",
                    f"Today's weight, {_fmt(weight_kg)} kg, is {off:.0f} % off the screening's "
                    f"{_fmt(screening.weight_kg)} kg (more than "
                    f"{settings.weight_confirm_percent} %): weigh again and confirm the weight.",
                )
            )
    if off_plan_route:
        failures.append(_route_failure(route, plan))
    per_kg = _mg_per_kg(dose_mg, weight_kg)
    limits = settings.dose_range(route)
    if limits is None:
        failures.append(
            (
                "dose_range_unset",
                f"The clinic has no dose range for {Route(route).label}; set one in the "
                "clinical settings before dosing by this route.",
            )
        )
    elif not limits[0] <= per_kg <= limits[1]:
        low, high = limits
        failures.append(
            (
                "dose_range",
                f"{_fmt(dose_mg)} mg for {_fmt(weight_kg)} kg is {_fmt(per_kg)} mg/kg, outside "
                f"the clinic's range for {Route(route).label} ({_fmt(low)}–{_fmt(high)} mg/kg).",
            )
        )
    if plan is not None and plan.starting_dose_mg_per_kg is not None:
        margin = settings.dose_plan_margin_percent
        starting = Decimal(plan.starting_dose_mg_per_kg)
        last = (
            DosingRecord.objects.filter(session__plan=plan)
            .exclude(session__status=SessionStatus.CANCELLED)
            .exclude(session=session)
            .order_by("-administered_at", "-id")
            .values_list("dose_mg_per_kg", flat=True)
            .first()
        )
        references = [starting] + ([Decimal(last)] if last is not None else [])
        if all(_percent_off(per_kg, ref) > margin for ref in references):
            against = f"the plan's starting dose ({_fmt(starting)} mg/kg)"
            if last is not None:
                against += f" and the last dose under the plan ({_fmt(last)} mg/kg)"
            failures.append(
                (
                    "dose_plan",
                    f"{_fmt(per_kg)} mg/kg is more than {margin} % off {against}.",
                )
            )
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
    weight_confirmed: bool = False,
    route: str | None = None,
    lot=None,
    drawn_mg: Decimal | None = None,
    dose_override: bool = False,
    dose_override_reason: str = "",
    administered_at: datetime.datetime | None = None,
    notes: str = "",
) -> DosingRecord:
    """Record the dose given in a checked-in dosing session, behind the pre-dose gate.

    Locks the session row (one dose per session) and its plan's (the induction target).
    Refuses, changing nothing, unless `by` is medical staff of the clinic (DosingNotAllowed,
    403), the session is a checked-in dosing session (DosingRecordRefused), a lot is chosen
    and the weight and dose are positive (InvalidInput), and the gate opens. The gate
    refuses with one
    DosingGateRefused (409) listing every failed check at once in `extra["reasons"]` (and
    the form fields they concern in `extra["fields"]`): `predose_gate_failures` (screening,
    plan and its induction target, escort, fasting, blood pressure, SpO2, heart rate),
    `dose_failures` (weight against the screening's, route against the plan's, mg/kg
    against the route's range and the plan's dose; for esketamine the label's 56 or 84 mg
    instead), and the ledger's
    `administration_problems` (lot expired, formulation not for the route, stock short).

    A dose outside the route's range or the plan's dose is given only with
    `dose_override=True` and a reason: the override (who, why, and what it answered) is
    stored on the record and so in the audit log. The route defaults to the plan's; mg/kg
    is computed from the weight.

    The dose is drawn from `lot` (a `controlled.Lot`): in the same transaction the
    controlled-substance ledger records the administration under the lot's row lock, so no
    dose exists without its ledger entry.
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
    try:
        weight_kg, dose_mg = Decimal(str(weight_kg)), Decimal(str(dose_mg))
    except ArithmeticError as exc:
        raise InvalidInput("Enter the weight in kg and the dose in mg as numbers.") from exc
    if weight_kg <= 0:
        raise InvalidInput("Enter the patient's weight in kg.")
    if dose_mg <= 0:
        raise InvalidInput("Enter the dose in mg.")
    if lot is None:
        raise InvalidInput("Choose the lot the dose is drawn from (in stock and not expired).")
    if session.plan_id:
        # Two doses under one plan at once must not both pass its induction target.
        TreatmentPlan.objects.select_for_update().filter(pk=session.plan_id).first()
    administered_at = administered_at or timezone.now()
    on = session.clinic.date_of(administered_at)
    settings = clinical_settings_for(session.clinic_id)
    route = route or (session.plan.route if session.plan else None)
    if route not in Route.values:
        raise InvalidInput("Choose the route of the dose.")
    failures = predose_gate_failures(
        session=session,
        escort_confirmed=escort_confirmed,
        fasting_confirmed=fasting_confirmed,
        predose_systolic=predose_systolic,
        predose_diastolic=predose_diastolic,
        predose_heart_rate=predose_heart_rate,
        predose_spo2=predose_spo2,
        settings=settings,
        on=on,
    )
    dose_problems = dose_failures(
        session=session,
        dose_mg=dose_mg,
        weight_kg=weight_kg,
        route=route,
        weight_confirmed=weight_confirmed,
        settings=settings,
        on=on,
    )
    overridden = [(code, message) for code, message in dose_problems if code in OVERRIDABLE]
    reason = (dose_override_reason or "").strip()
    if overridden and dose_override and reason:
        failures += [problem for problem in dose_problems if problem not in overridden]
    else:
        failures += dose_problems
        if overridden and dose_override:
            failures.append(
                (
                    "override_reason",
                    "Say why the dose is given outside the limits: an override needs a reason.",
                )
            )
    # The ledger, twice (through practice.ledger): here to list what the lot cannot do with
    # the other reasons, and below to take the dose out of it.
    # What is drawn (when said) is what leaves the lot's stock now; what was drawn and not
    # given is the most that may later be wasted against this dose.
    if drawn_mg is not None and drawn_mg < dose_mg:
        failures.append(("drawn", f"The draw ({drawn_mg} mg) must be at least the dose."))
    failures += ledger.administration_problems(
        lot=lot,
        clinic=session.clinic,
        dose_mg=max(dose_mg, drawn_mg or dose_mg),
        route=route,
        on=on,
    )
    if failures:
        fields = _fields_of(failures, REASON_FIELDS)
        raise DosingGateRefused(
            "Dosing refused: " + " ".join(message for _, message in failures),
            extra={
                "reasons": [code for code, _ in failures],
                "fields": fields,
                "overridable": [code for code, _ in overridden],
            },
        )
    record = DosingRecord(
        session=session,
        route=route,
        dose_mg=dose_mg,
        weight_kg=weight_kg,
        dose_mg_per_kg=_mg_per_kg(dose_mg, weight_kg),
        lot_number=lot.lot_number,
        administered_at=administered_at,
        administered_by=by,
        escort_confirmed=escort_confirmed,
        fasting_confirmed=fasting_confirmed,
        predose_systolic=predose_systolic,
        predose_diastolic=predose_diastolic,
        predose_heart_rate=predose_heart_rate,
        predose_spo2=predose_spo2,
        weight_confirmed=weight_confirmed,
        notes=notes,
    )
    if overridden:
        record.dose_override_by = by
        record.dose_override_reason = reason[:500]
        record.dose_override_for = " ".join(message for _, message in overridden)[:500]
    record.full_clean()
    record.save()
    ledger.administration_record(dosing_record=record, lot=lot, recorded_by=by, drawn_mg=drawn_mg)
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
    sedation: str | None = None,
    notes: str | None = None,
) -> DosingRecord:
    """Rate the peak dissociation (0–10), assess the deepest sedation (`Sedation`) and keep
    clinical notes on the dose. Fields left None stay as they are; a value that is not
    valid is refused (InvalidInput) and nothing changes."""
    record = _lock_record(record)
    _require_medical(by, record.session.patient, "update the dosing record")
    _require_open(record)
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


def baseline_deviations(record: DosingRecord, reading: VitalSigns, tolerance_percent: int):
    """How `reading` is off the pre-dose one by more than `tolerance_percent`, in words
    (systolic, diastolic and, when it was taken, heart rate); empty when near baseline."""
    pairs = [
        ("systolic", reading.systolic, record.predose_systolic),
        ("diastolic", reading.diastolic, record.predose_diastolic),
        ("heart rate", reading.heart_rate, record.predose_heart_rate),
    ]
    off = []
    for name, now, before in pairs:
        if before is None:
            continue
        percent = _percent_off(Decimal(now), Decimal(before))
        if percent > tolerance_percent:
            off.append(f"{name} {now} against {before} before the dose ({percent:.0f} % off)")
    return off


def discharge_failures(
    *,
    record: DosingRecord,
    at: datetime.datetime,
    alert_and_oriented: bool = True,
    escort_present: bool = True,
    vitals_near_baseline: bool | None = None,
    ready_per_clinical_judgement: bool = True,
    settings: ClinicalSettings | None = None,
) -> tuple[list[tuple[str, str]], bool | None]:
    """Every reason the patient may not leave at `at`, as (code, message), and whether the
    last reading is near the pre-dose one (None without a reading). Pure read.

    - observation: at least the clinic's minimum for the route since the dose (after
      esketamine never under the REMS's 120 minutes);
    - vitals: a reading taken after the dose, the last of which is within the clinic's
      discharge limits (systolic, diastolic, SpO2) and near baseline: systolic, diastolic
      and heart rate within `discharge_baseline_tolerance_percent` of the pre-dose values.
      "Near baseline" is read from the readings; a caller's `vitals_near_baseline` that
      says otherwise is refused, never believed;
    - the checklist: alert and oriented, escort present;
    - after esketamine, the REMS monitoring (`esketamine_discharge_failures`): the
      blood pressure at about 40 minutes and again before discharge, sedation and
      dissociation assessed, and the clinician's judgement that the patient is ready.
    """
    settings = settings or clinical_settings_for(record.session.clinic_id)
    local = record.session.clinic.local  # times in messages read on the clinic's clock
    failures: list[tuple[str, str]] = []
    given = record.administered_at or record.created_at
    minutes = settings.observe_minutes(record.route)
    earliest = given + datetime.timedelta(minutes=minutes)
    if at < earliest:
        failures.append(
            (
                "observation",
                f"Observe at least {minutes} minutes after a dose by the "
                f"{record.get_route_display()} route: given at {local(given):%H:%M}, the "
                f"patient may leave from {local(earliest):%H:%M}.",
            )
        )
    last = record.vitals.filter(taken_at__gte=given).order_by("taken_at", "id").last()
    near = None
    if last is None:
        failures.append(("vitals", "Record the vital signs after the dose before discharge."))
    else:
        when = (
            f"{last.systolic}/{last.diastolic}, SpO2 {last.spo2}% at {local(last.taken_at):%H:%M}"
        )
        if (
            last.systolic >= settings.discharge_systolic_below
            or last.diastolic >= settings.discharge_diastolic_below
        ):
            failures.append(
                (
                    "discharge_pressure",
                    f"The last reading ({when}) is at or above the clinic's discharge limit "
                    f"({settings.discharge_systolic_below}/{settings.discharge_diastolic_below}); "
                    "wait and take another reading.",
                )
            )
        if last.spo2 < settings.discharge_spo2_at_least:
            failures.append(
                (
                    "discharge_spo2",
                    f"The last reading ({when}) is below the clinic's discharge SpO2 "
                    f"({settings.discharge_spo2_at_least}%).",
                )
            )
        off = baseline_deviations(record, last, settings.discharge_baseline_tolerance_percent)
        near = not off
        if off:
            failures.append(
                (
                    "baseline",
                    f"Vital signs are not back near baseline (within "
                    f"{settings.discharge_baseline_tolerance_percent} %) at "
                    f"{local(last.taken_at):%H:%M}: " + "; ".join(off) + ".",
                )
            )
    if vitals_near_baseline is False and near:
        failures.append(
            (
                "baseline",
                "Vital signs were marked as not back near baseline, but the last reading is: "
                "take another reading, or leave the mark to the readings.",
            )
        )
    if not alert_and_oriented:
        failures.append(("alert_and_oriented", "Confirm the patient is alert and oriented."))
    if not escort_present:
        failures.append(
            ("escort_present", "Confirm the escort is present to take the patient home.")
        )
    if record.is_esketamine:
        failures += esketamine_discharge_failures(
            record=record,
            ready_per_clinical_judgement=ready_per_clinical_judgement,
            settings=settings,
        )
    return failures, near


# Where each discharge reason points on the form and in the API (`fields` of the refusal).
DISCHARGE_REASON_FIELDS = {
    "alert_and_oriented": "alert_and_oriented",
    "escort_present": "escort_present",
    "sedation": "sedation",
    "dissociation": "dissociation_score",
    "clinical_judgement": "ready_per_clinical_judgement",
}

# Discharge moments this far ahead of the server's clock are a typing mistake.
FUTURE_TOLERANCE = datetime.timedelta(minutes=10)


@transaction.atomic
def dosing_discharge(
    *,
    record: DosingRecord,
    by: StaffMember,
    alert_and_oriented: bool,
    escort_present: bool,
    vitals_near_baseline: bool | None = None,
    ready_per_clinical_judgement: bool = False,
    ready_after_minutes: int | None = None,
    at: datetime.datetime | None = None,
) -> DosingRecord:
    """Discharge the patient after the observation time, on readings back near baseline.

    Locks the record. Refuses with one DischargeRefused (409) listing every reason at once
    in `extra["reasons"]` (`discharge_failures`): the route's minimum observation not yet
    over, no reading since the dose, the last reading past the clinic's discharge limits
    or not near the pre-dose one, a `vitals_near_baseline` that contradicts the readings,
    or the checklist incomplete; after esketamine also the REMS items (the ~40-minute and
    pre-discharge blood pressures, sedation and dissociation assessed, and
    `ready_per_clinical_judgement`). Whether vital signs are near baseline is derived from
    the readings and stored, with the clinician's judgement, the REMS's "ready after"
    minutes (optional; at most the minutes since the dose) and who discharged. `at`
    (default now) may be earlier, not later than now.
    """
    record = _lock_record(record)
    _require_medical(by, record.session.patient, "discharge a patient")
    _require_open(record)
    if record.discharged_at is not None:
        raise DosingRecordRefused("The patient is already discharged.")
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        raise InvalidInput("Give the time of discharge with its time zone.")
    if at > now + FUTURE_TOLERANCE:
        raise InvalidInput("A discharge cannot be dated in the future.")
    given = record.administered_at or record.created_at
    if ready_after_minutes is not None:
        try:
            ready_after_minutes = int(ready_after_minutes)
        except (TypeError, ValueError) as exc:
            raise InvalidInput("Give the minutes as a whole number.") from exc
        since = int((at - given).total_seconds() // 60)
        if not 0 < ready_after_minutes <= since:
            message = f"A whole number of minutes after the dose, from 1 to {since}."
            raise InvalidInput(message, extra={"fields": {"ready_after_minutes": [message]}})
    failures, near = discharge_failures(
        record=record,
        at=at,
        alert_and_oriented=alert_and_oriented,
        escort_present=escort_present,
        vitals_near_baseline=vitals_near_baseline,
        ready_per_clinical_judgement=ready_per_clinical_judgement,
    )
    if failures:
        fields = _fields_of(failures, DISCHARGE_REASON_FIELDS)
        raise DischargeRefused(
            "Discharge refused: " + " ".join(message for _, message in failures),
            extra={"reasons": [code for code, _ in failures], "fields": fields},
        )
    record.discharge_vitals_near_baseline = bool(near)
    record.discharge_alert_and_oriented = True
    record.discharge_escort_present = True
    record.discharge_ready_per_clinical_judgement = bool(ready_per_clinical_judgement)
    record.ready_after_minutes = ready_after_minutes
    record.discharged_at = at
    record.discharged_by = by
    record.full_clean()
    record.save()
    return record
