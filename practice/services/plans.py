"""Treatment plans: draft → active (induction) → maintenance → completed | discontinued."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from practice import esketamine
from practice.choices import PlanStatus
from practice.errors import InvalidInput, PlanTransitionRefused
from practice.models import Diagnosis, Patient, PlanTargetChange, StaffMember, TreatmentPlan
from practice.selectors import plan_progress, screening_current, screening_problem
from practice.services._common import require_clinician, require_medical, require_same_clinic

RUNNING = (PlanStatus.ACTIVE, PlanStatus.MAINTENANCE)


@transaction.atomic
def plan_create(
    *,
    patient: Patient,
    by: StaffMember,
    route: str,
    starting_dose_mg_per_kg: Decimal | None = None,
    starting_dose_mg: Decimal | None = None,
    diagnoses: list[Diagnosis] | None = None,
    induction_target_sessions: int | None = None,
    induction_weeks: int | None = None,
    maintenance_interval_days: int = 30,
    goals: str = "",
) -> TreatmentPlan:
    """Draft a plan for `patient` (clinicians). Diagnoses must be the patient's own.

    Ketamine routes take `starting_dose_mg_per_kg`; esketamine takes `starting_dose_mg`
    (56 or 84, the label's doses) and, unless told otherwise, the label's induction: twice
    a week for 4 weeks, 8 doses (ketamine: 6 over about 3 weeks). Raises ValidationError
    per field (`TreatmentPlan.clean`), RoleNotAllowed, InvalidInput.
    """
    require_same_clinic(by, patient)
    require_clinician(by, "draft a treatment plan")
    diagnoses = list(diagnoses or [])
    if any(d.patient_id != patient.pk for d in diagnoses):
        raise InvalidInput("A diagnosis belongs to another patient.")
    target, weeks = (8, 4) if esketamine.is_esketamine(route) else (6, 3)
    plan = TreatmentPlan(
        clinic_id=patient.clinic_id,
        patient=patient,
        route=route,
        starting_dose_mg_per_kg=starting_dose_mg_per_kg,
        starting_dose_mg=starting_dose_mg,
        induction_target_sessions=induction_target_sessions or target,
        induction_weeks=induction_weeks or weeks,
        maintenance_interval_days=maintenance_interval_days,
        goals=goals,
        created_by=by,
    )
    plan.full_clean()
    plan.save()
    plan.diagnoses.set(diagnoses)
    return plan


def _lock(plan: TreatmentPlan) -> TreatmentPlan:
    return TreatmentPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)


@transaction.atomic
def plan_activate(
    *, plan: TreatmentPlan, by: StaffMember, at: datetime.datetime | None = None
) -> TreatmentPlan:
    """Start the induction: draft → active. Medical staff only.

    Needs the patient's newest screening to clear them on the day of `at` (default now; a
    past time records an activation that happened before it was entered), and no other
    running plan for the patient. Locks the plan row. Raises PlanTransitionRefused,
    RoleNotAllowed, InvalidInput.
    """
    plan = _lock(plan)
    require_same_clinic(by, plan.patient)
    require_medical(by, "activate a treatment plan")
    if plan.status != PlanStatus.DRAFT:
        raise PlanTransitionRefused(
            f"Only a draft plan can be activated; this one is {plan.get_status_display().lower()}."
        )
    at = _when(at)
    # The clinic's day, not the server's: an evening in Denver is already tomorrow in UTC.
    day = plan.patient.clinic.date_of(at)
    screening = screening_current(patient=plan.patient, on=day)
    problem = screening_problem(screening, day)
    if problem:
        raise PlanTransitionRefused(
            f"The patient has no cleared, unexpired screening: {problem}. "
            "Screen (or sign off) first."
        )
    other = (
        TreatmentPlan.objects.filter(patient=plan.patient, status__in=RUNNING)
        .exclude(pk=plan.pk)
        .exists()
    )
    if other:
        raise PlanTransitionRefused(
            "The patient already has a running plan; complete or discontinue it first."
        )
    plan.status = PlanStatus.ACTIVE
    plan.screening = screening
    plan.activated_at = at
    plan.full_clean()
    plan.save()
    return plan


def _when(at: datetime.datetime | None) -> datetime.datetime:
    """`at`, or now; refuses a naive time or one in the future."""
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise InvalidInput("Give the time with its time zone.")
    if at > now:
        raise InvalidInput("A plan change cannot be dated in the future.")
    return at


@transaction.atomic
def plan_move_to_maintenance(
    *, plan: TreatmentPlan, by: StaffMember, at: datetime.datetime | None = None
) -> TreatmentPlan:
    """End the induction: active → maintenance (clinicians). The page suggests it once the
    induction target is met; the clinician decides when. `at` (default now) may be in the
    past, after the plan's activation and its first dose."""
    plan = _lock(plan)
    require_same_clinic(by, plan.patient)
    require_clinician(by, "move a plan to maintenance")
    if plan.status != PlanStatus.ACTIVE:
        raise PlanTransitionRefused("Only a plan in induction can move to maintenance.")
    first_dose = (
        plan.sessions.filter(dosing__isnull=False)
        .order_by("dosing__administered_at")
        .values_list("dosing__administered_at", flat=True)
        .first()
    )
    if first_dose is None:
        raise PlanTransitionRefused("No dose has been given under this plan yet.")
    at = _when(at)
    if at < first_dose or (plan.activated_at and at < plan.activated_at):
        raise InvalidInput("Maintenance cannot start before the plan's activation and first dose.")
    plan.status = PlanStatus.MAINTENANCE
    plan.maintenance_started_at = at
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_complete(*, plan: TreatmentPlan, by: StaffMember, reason: str = "") -> TreatmentPlan:
    """Close a running plan as completed (clinicians)."""
    plan = _lock(plan)
    require_same_clinic(by, plan.patient)
    require_clinician(by, "complete a treatment plan")
    if plan.status not in RUNNING:
        raise PlanTransitionRefused("Only an active or maintenance plan can be completed.")
    plan.status = PlanStatus.COMPLETED
    plan.ended_at = timezone.now()
    plan.end_reason = (reason or "").strip()
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_discontinue(*, plan: TreatmentPlan, by: StaffMember, reason: str) -> TreatmentPlan:
    """Stop a plan early, with the reason (clinicians). A closed plan stays closed."""
    plan = _lock(plan)
    require_same_clinic(by, plan.patient)
    require_clinician(by, "discontinue a treatment plan")
    reason = (reason or "").strip()
    if plan.status in (PlanStatus.COMPLETED, PlanStatus.DISCONTINUED):
        raise PlanTransitionRefused("This plan is already closed.")
    if not reason:
        raise InvalidInput("Say why the plan is discontinued.")
    plan.status = PlanStatus.DISCONTINUED
    plan.ended_at = timezone.now()
    plan.end_reason = reason
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_target_change(
    *, plan: TreatmentPlan, by: StaffMember, induction_target_sessions: int, reason: str
) -> TreatmentPlan:
    """Change how many induction doses the plan allows (medical staff), saying why.

    The dosing gate refuses an induction dose once the target is reached; past it, the plan
    moves to maintenance or medical staff raise the target here. Only a draft or induction
    plan has a target to change; the new one is 1–20 and not below the induction doses
    already given. Locks the plan row; writes a `PlanTargetChange` with the reason (both
    rows are in the audit log). Raises RoleNotAllowed (403), PlanTransitionRefused,
    InvalidInput; changes nothing when it refuses.
    """
    plan = _lock(plan)
    require_same_clinic(by, plan.patient)
    require_medical(by, "change a plan's induction target")
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.ACTIVE):
        raise PlanTransitionRefused(
            f"The plan is {plan.get_status_display().lower()}; only a draft or an induction "
            "has an induction target to change."
        )
    reason = (reason or "").strip()
    try:
        target = int(induction_target_sessions)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            "Give the new induction target as a number of doses.",
            extra={"fields": {"induction_target_sessions": ["A whole number from 1 to 20."]}},
        ) from exc
    problems: dict[str, list[str]] = {}
    given = plan_progress(plan).induction_doses
    if not 1 <= target <= 20:
        problems["induction_target_sessions"] = ["A whole number from 1 to 20."]
    elif target == plan.induction_target_sessions:
        problems["induction_target_sessions"] = [
            f"The target is already {target}; give a different number."
        ]
    elif target < given:
        problems["induction_target_sessions"] = [
            f"{given} induction doses are already given; the target cannot be lower."
        ]
    if not reason:
        problems["reason"] = ["Say why the induction target changes."]
    if problems:
        raise InvalidInput(
            " ".join(messages[0] for messages in problems.values()), extra={"fields": problems}
        )
    change = PlanTargetChange(
        plan=plan,
        from_sessions=plan.induction_target_sessions,
        to_sessions=target,
        reason=reason,
        changed_by=by,
        changed_at=timezone.now(),
    )
    change.full_clean()
    change.save()
    plan.induction_target_sessions = target
    plan.full_clean()
    plan.save()
    return plan
