"""The suicide-risk pathway: a C-SSRS risk assessment closes the suicidality alert, and a
Stanley–Brown safety plan is written (in versions) where the risk calls for it.

What holds dosing meanwhile is read by `practice.selectors.risk_hold_reasons`.
"""

from django.db import transaction
from django.utils import timezone

from backend.errors import full_clean_or_refuse
from practice import cssrs
from practice.choices import AlertKind
from practice.errors import (
    AlertAlreadyAcknowledged,
    RiskAssessmentRefused,
    SafetyPlanRefused,
)
from practice.models import Patient, RiskAssessment, SafetyAlert, SafetyPlan, StaffMember
from practice.services._common import require_clinician, require_same_clinic


@transaction.atomic
def risk_assessment_record(
    *,
    patient: Patient,
    by: StaffMember,
    answers: dict,
    formulation: str,
    alert: SafetyAlert | None = None,
) -> RiskAssessment:
    """Record a C-SSRS screener asked by clinician `by`, and close the suicidality alerts.

    The risk level is derived from the answers (`practice.cssrs.risk_level`). In the same
    transaction every open suicidality alert of the patient is acknowledged by `by`, with
    the level and the formulation as its note: one assessment answers for the patient's
    current risk, however many PHQ-9s flagged it. Locks those alerts first, so two
    clinicians assessing at once cannot both close the same alert.

    `alert`, if given, is the alert the assessment was opened from: it must be this
    patient's suicidality alert and still open (else AlertAlreadyAcknowledged, 409).
    Without one, the assessment is a proactive one (intake, a change in the picture).

    Raises NotInClinic / RoleNotAllowed (only clinicians of the patient's clinic) and
    RiskAssessmentRefused (400, per field) for incomplete or contradictory answers or a
    missing formulation; a refusal changes nothing.
    """
    require_same_clinic(by, patient)
    require_clinician(by, "record a risk assessment")
    problems = cssrs.validate_answers(answers)
    formulation = (formulation or "").strip()
    if not formulation:
        problems["formulation"] = "Write your formulation of the risk and the plan."
    if problems:
        raise RiskAssessmentRefused(
            " ".join(problems.values()), extra={"fields": {k: [v] for k, v in problems.items()}}
        )
    open_alerts = list(
        SafetyAlert.objects.select_for_update()
        .filter(patient=patient, kind=AlertKind.SUICIDAL_IDEATION, acknowledged_at__isnull=True)
        .order_by("raised_at", "id")
    )
    if alert is not None:
        if alert.patient_id != patient.pk or alert.kind != AlertKind.SUICIDAL_IDEATION:
            raise RiskAssessmentRefused(
                "That alert is not a suicidality alert of this patient.",
                extra={"fields": {"alert": ["Not a suicidality alert of this patient."]}},
            )
        if alert.pk not in {a.pk for a in open_alerts}:
            raise AlertAlreadyAcknowledged(
                "That alert is already acknowledged; record the assessment without it."
            )
    now = timezone.now()
    assessment = RiskAssessment(
        clinic_id=patient.clinic_id,
        patient=patient,
        alert=alert or (open_alerts[0] if open_alerts else None),
        answers=cssrs.normalized(answers),
        risk_level=cssrs.risk_level(answers),
        formulation=formulation,
        assessed_by=by,
        assessed_at=now,
    )
    full_clean_or_refuse(assessment, RiskAssessmentRefused)
    assessment.save()
    note = f"Risk assessment (C-SSRS screener): {assessment.get_risk_level_display().lower()}. "
    for open_alert in open_alerts:
        open_alert.acknowledged_at = now
        open_alert.acknowledged_by = by
        open_alert.acknowledgement_note = note + formulation
        open_alert.save(
            update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"]
        )
    return assessment


@transaction.atomic
def safety_plan_write(
    *,
    patient: Patient,
    by: StaffMember,
    warning_signs: str,
    coping_strategies: str,
    social_distractions: str,
    people_to_ask: str,
    professionals: str,
    environment_safety: str,
    reasons_for_living: str = "",
) -> SafetyPlan:
    """Save a new version of the patient's Stanley–Brown safety plan, written with them.

    Every one of the six steps needs at least one line (write "none yet" with the patient
    rather than leave a step out); reasons for living are optional. The previous version is
    superseded in the same transaction. Saving an unchanged plan is a review: it counts as
    a plan written after the latest risk assessment. Locks the patient row so versions are
    numbered without gaps or twins.

    Raises NotInClinic / RoleNotAllowed (only clinicians of the patient's clinic) and
    SafetyPlanRefused (400, per field); a refusal changes nothing.
    """
    require_same_clinic(by, patient)
    require_clinician(by, "write a safety plan")
    steps = {
        "warning_signs": warning_signs,
        "coping_strategies": coping_strategies,
        "social_distractions": social_distractions,
        "people_to_ask": people_to_ask,
        "professionals": professionals,
        "environment_safety": environment_safety,
    }
    cleaned = {name: _lines(value) for name, value in steps.items()}
    missing = {
        name: [f"Step {number} ({title.lower()}): write at least one line with the patient."]
        for number, (name, title, _) in enumerate(SafetyPlan.STEPS, start=1)
        if not cleaned[name]
    }
    if missing:
        raise SafetyPlanRefused(
            "Complete every step: " + " ".join(m[0] for m in missing.values()),
            extra={"fields": missing},
        )
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    now = timezone.now()
    current = SafetyPlan.objects.filter(patient=patient, superseded_at__isnull=True).first()
    plan = SafetyPlan(
        clinic_id=patient.clinic_id,
        patient=patient,
        version=(current.version + 1) if current else 1,
        reasons_for_living=_lines(reasons_for_living),
        written_by=by,
        written_at=now,
        **cleaned,
    )
    if current is not None:
        # First, so the new version is the only current one when it is validated; a
        # refusal below rolls this back with the rest.
        current.superseded_at = now
        current.save(update_fields=["superseded_at"])
    full_clean_or_refuse(plan, SafetyPlanRefused)
    plan.save()
    return plan


def _lines(text) -> str:
    """One item per line, trimmed, blank lines dropped."""
    if not isinstance(text, str):
        return ""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
