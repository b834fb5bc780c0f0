"""The pre-dose safety gate and the dose checks, as (code, message) lists: pure reads the
dose form shows before anything is typed and `dosing_record_create` refuses on."""

import datetime
from decimal import Decimal

from practice import esketamine
from practice.choices import (
    DOSING_CONSENT_KINDS,
    PlanStatus,
    Route,
    SessionStatus,
)
from practice.models import (
    ClinicalSettings,
    DosingRecord,
    Session,
    TreatmentPlan,
)
from practice.selectors import (
    clinical_settings_for,
    consent_hold_reasons,
    plan_progress,
    risk_hold_reasons,
    screening_current,
    screening_problem,
)
from practice.services.dosing._common import fmt, mg_per_kg, percent_off


def session_gate_failures(
    *,
    session: Session,
    settings: ClinicalSettings | None = None,
    on: datetime.date | None = None,
) -> list[tuple[str, str]]:
    """What the gate knows before the bedside checks, as (code, message): the patient's
    newest screening clears them on `on`, the plan is running, an induction plan has not
    reached its target, no suicide risk holds dosing (`risk_hold_reasons`), and the patient
    has signed a current KAP informed consent and controlled-substance agreement (`consent`,
    `consent_hold_reasons`). Pure read: the dose form shows it before anything is typed."""
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
    failures.extend(consent_hold_reasons(patient=session.patient, kinds=DOSING_CONSENT_KINDS))
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
                    f"{fmt(dose_mg)} mg is not an esketamine dose: the label gives "
                    f"{esketamine.doses_text()} per session, nothing else.",
                )
            )
        return failures
    screening = screening_current(patient=session.patient, on=on)
    if screening is not None and not weight_confirmed:
        off = percent_off(weight_kg, screening.weight_kg)
        if off > settings.weight_confirm_percent:
            failures.append(
                (
                    "weight",
                    f"Today's weight, {fmt(weight_kg)} kg, is {off:.0f} % off the screening's "
                    f"{fmt(screening.weight_kg)} kg (more than "
                    f"{settings.weight_confirm_percent} %): weigh again and confirm the weight.",
                )
            )
    if off_plan_route:
        failures.append(_route_failure(route, plan))
    per_kg = mg_per_kg(dose_mg, weight_kg)
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
                f"{fmt(dose_mg)} mg for {fmt(weight_kg)} kg is {fmt(per_kg)} mg/kg, outside "
                f"the clinic's range for {Route(route).label} ({fmt(low)}–{fmt(high)} mg/kg).",
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
        if all(percent_off(per_kg, ref) > margin for ref in references):
            against = f"the plan's starting dose ({fmt(starting)} mg/kg)"
            if last is not None:
                against += f" and the last dose under the plan ({fmt(last)} mg/kg)"
            failures.append(
                (
                    "dose_plan",
                    f"{fmt(per_kg)} mg/kg is more than {margin} % off {against}.",
                )
            )
    return failures
