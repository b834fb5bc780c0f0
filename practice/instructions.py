"""What a patient should know before each kind of session, in plain language."""

from practice.choices import PlanStatus, Route, SessionKind

ROUTE_PLAIN = {
    Route.INTRAMUSCULAR: "an injection into the muscle of your upper arm",
    Route.ORAL: "a lozenge (troche) that dissolves in your mouth",
    Route.INTRAVENOUS: "a slow drip into a vein",
    Route.INTRANASAL: "a nasal spray",
    Route.SUBCUTANEOUS: "a small injection under the skin",
    Route.ESKETAMINE_NASAL: "a nasal spray you use yourself, with a clinician watching, and "
    "you stay with us for at least two hours afterwards",
}


def preparation_instructions(*, kind: str, settings, patient) -> list[str]:
    if kind == SessionKind.DOSING:
        escort = patient.escort_name or "a trusted adult"
        return [
            f"Nothing to eat for {settings.fasting_hours} hours before your session.",
            f"{escort} must take you home: you may not drive until the next day.",
            "Tell us about any new medicine, alcohol or other substances since your last visit.",
            "Wear comfortable clothes; bring an eye mask or headphones if you like.",
            "Plan a quiet rest of the day.",
        ]
    if kind == SessionKind.PREPARATION:
        return [
            "Think about what you hope to change: we will shape your intentions together.",
            "Bring any questions about the dosing session.",
        ]
    return [
        "Bring notes, drawings or journal entries from your last dosing session.",
        "Give yourself some quiet time afterwards to reflect.",
    ]


def plan_in_plain_language(plan, progress) -> list[str]:
    medicine = "esketamine" if plan.route == Route.ESKETAMINE_NASAL else "ketamine"
    lines = [
        f"Your {medicine} is given by "
        f"{ROUTE_PLAIN.get(plan.route, plan.get_route_display())}, "
        "with a clinician with you the whole time."
    ]
    lines.append(
        f"First, {plan.induction_target_sessions} dosing sessions over about "
        f"{plan.induction_weeks} weeks. Each has a preparation session before it and an "
        "integration session after it."
    )
    lines.append(
        f"After that, if it helps, a session about every {plan.maintenance_interval_days} "
        "days to keep the benefit."
    )
    if plan.status == PlanStatus.DRAFT:
        lines.append("Your plan is being finalised by your care team.")
    elif plan.status == PlanStatus.ACTIVE:
        lines.append(
            f"So far: {progress.induction_doses} of {plan.induction_target_sessions} "
            "dosing sessions."
        )
    elif plan.status == PlanStatus.MAINTENANCE:
        lines.append("You have finished the first course and are now in maintenance.")
    return lines
