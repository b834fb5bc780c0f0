"""Reads of the suicide-risk pathway: assessments, safety plans, and what holds dosing."""

from django.db.models import QuerySet

from practice import cssrs
from practice.choices import AlertKind, AlertSeverity
from practice.models import Patient, RiskAssessment, SafetyAlert, SafetyPlan


def risk_assessment_list(*, user) -> QuerySet[RiskAssessment]:
    """Assessments `user` may see: the care team and the clinic's admins, never a patient."""
    return RiskAssessment.objects.visible_to(user).select_related(
        "patient", "assessed_by__user", "alert"
    )


def risk_assessment_latest(*, patient: Patient) -> RiskAssessment | None:
    return (
        RiskAssessment.objects.filter(patient=patient)
        .select_related("assessed_by__user")
        .order_by("-assessed_at", "-id")
        .first()
    )


def safety_plan_list(*, user) -> QuerySet[SafetyPlan]:
    """Safety-plan versions `user` may see; a patient sees their own."""
    return SafetyPlan.objects.visible_to(user).select_related("patient", "written_by__user")


def safety_plan_current(*, patient: Patient) -> SafetyPlan | None:
    return (
        SafetyPlan.objects.filter(patient=patient, superseded_at__isnull=True)
        .select_related("written_by__user")
        .first()
    )


def patient_risk_assessment_rows(*, patient: Patient) -> QuerySet[RiskAssessment]:
    """The assessments of `patient` (one the caller may see, never a patient), newest first,
    with the assessor joined: what the patient page lists."""
    return patient.risk_assessments.select_related("assessed_by__user")


def risk_hold_reasons(
    *,
    patient: Patient,
    open_alerts: list[SafetyAlert] | None = None,
    assessments: list[RiskAssessment] | None = None,
) -> list[tuple[str, str]]:
    """Why suicide risk holds dosing for `patient` now, as (code, message); empty when not.

    - `risk_alert`: an urgent safety alert is open. A suicidality alert (PHQ-9 item 9) is
      closed only by recording a risk assessment (C-SSRS).
    - `safety_plan`: the latest risk assessment found moderate or high risk and no safety
      plan has been written or reviewed (saved as a new version) since. Conservative on
      purpose: a new crisis reopens the plan, however recent the old one.

    The pre-dose gate lists these with its other reasons and check-in of a dosing session
    refuses on them (2–3 queries). Booking and rescheduling do not: moving a dose later is
    what a clinic does while the risk is assessed.

    A page that has read them already passes `open_alerts` (all the patient's open alerts)
    and `assessments` (the patient's newest assessments, newest first), which saves their
    queries.
    """
    reasons: list[tuple[str, str]] = []
    if open_alerts is None:
        open_kinds = set(
            SafetyAlert.objects.filter(
                patient=patient, severity=AlertSeverity.URGENT, acknowledged_at__isnull=True
            ).values_list("kind", flat=True)
        )
    else:
        open_kinds = {
            a.kind
            for a in open_alerts
            if a.severity == AlertSeverity.URGENT and a.acknowledged_at is None
        }
    if AlertKind.SUICIDAL_IDEATION in open_kinds:
        reasons.append(
            (
                "risk_alert",
                "An urgent suicidality alert (PHQ-9 item 9) is open: a clinician must record "
                "a risk assessment (C-SSRS) before the patient is dosed.",
            )
        )
    elif open_kinds:
        reasons.append(
            ("risk_alert", "An urgent safety alert is open: a clinician must acknowledge it first.")
        )
    if assessments is None:
        latest = (
            RiskAssessment.objects.filter(patient=patient)
            .order_by("-assessed_at", "-id")
            .values_list("risk_level", "assessed_at")
            .first()
        )
    else:
        latest = (assessments[0].risk_level, assessments[0].assessed_at) if assessments else None
    if latest is not None and latest[0] in cssrs.NEEDS_SAFETY_PLAN:
        level, assessed_at = latest
        if not SafetyPlan.objects.filter(patient=patient, written_at__gte=assessed_at).exists():
            reasons.append(
                (
                    "safety_plan",
                    f"The latest risk assessment found {level} risk: write or review the "
                    "patient's safety plan with them before dosing.",
                )
            )
    return reasons
