"""The clinical settings' rules: how each route's settings are named, the bounds of each
number, and how the thresholds must agree. `ClinicalSettings.clean` raises what
`clinical_settings_errors` finds, so the admin site, the settings page and the API give the
same answers.
"""

from decimal import Decimal

from practice.choices import Instrument, Route

# How each route's settings are named in ClinicalSettings (`im_dose_min_mg_per_kg`, …).
ROUTE_SETTING_PREFIX = {
    Route.INTRAMUSCULAR: "im",
    Route.INTRAVENOUS: "iv",
    Route.SUBCUTANEOUS: "sc",
    Route.ORAL: "oral",
    Route.INTRANASAL: "nasal",
}

# Outside these bounds a number is a typo, not a clinical choice: a refusal at 0 would
# refuse every dose, one at 999 would switch the gate off.
BOUNDS = {
    "predose_systolic_refuse_at": (120, 220),
    "predose_diastolic_refuse_at": (70, 130),
    "fasting_hours": (0, 24),
    "alert_systolic_at": (120, 250),
    "alert_diastolic_at": (70, 150),
    "alert_heart_rate_above": (60, 200),
    "alert_heart_rate_below": (30, 100),
    "alert_spo2_below": (80, 99),
    "predose_spo2_refuse_below": (85, 99),
    "predose_heart_rate_refuse_above": (70, 180),
    "predose_heart_rate_refuse_below": (30, 70),
    "weight_confirm_percent": (2, 50),
    "dose_plan_margin_percent": (5, 100),
    **{f"{prefix}_observe_minutes": (15, 480) for prefix in ROUTE_SETTING_PREFIX.values()},
    # The window must hold the label's "about 40 minutes".
    "esketamine_bp_check_from_minutes": (15, 40),
    "esketamine_bp_check_until_minutes": (40, 90),
    "discharge_systolic_below": (120, 220),
    "discharge_diastolic_below": (70, 130),
    "discharge_spo2_at_least": (85, 99),
    "discharge_baseline_tolerance_percent": (5, 50),
    "screening_valid_months": (1, 24),
    "integration_within_days": (1, 60),
    "measure_maintenance_days": (7, 365),
    # Long enough for a session's paperwork, short enough for a shared workstation.
    "staff_idle_timeout_minutes": (5, 240),
}
# mg/kg: from a hundredth (a typo below) to 20 (beyond any sub-anaesthetic use).
DOSE_BOUNDS = (Decimal("0.010"), Decimal("20.000"))


def clinical_settings_errors(settings) -> dict[str, str]:
    """Every problem of a `ClinicalSettings` row at once, per field: bounds, then whether
    the thresholds agree. Empty when there is none."""
    errors: dict[str, str] = {}
    numbers = {}
    for name, (low, high) in BOUNDS.items():
        value = getattr(settings, name)
        if not isinstance(value, int) or isinstance(value, bool):
            continue  # clean_fields reports it
        if not low <= value <= high:
            errors[name] = f"Enter a number from {low} to {high}."
        else:
            numbers[name] = value
    minutes = settings.esketamine_observe_minutes
    if isinstance(minutes, int) and not isinstance(minutes, bool):
        if minutes < 120:
            errors["esketamine_observe_minutes"] = (
                "At least 120: the SPRAVATO REMS requires monitoring for at least two "
                "hours after each esketamine dose."
            )
        elif minutes > 480:
            errors["esketamine_observe_minutes"] = "Enter a number from 120 to 480."
    low, high = DOSE_BOUNDS
    for prefix in ROUTE_SETTING_PREFIX.values():
        for end in ("min", "max"):
            name = f"{prefix}_dose_{end}_mg_per_kg"
            value = getattr(settings, name)
            if not isinstance(value, Decimal | int) or isinstance(value, bool):
                continue  # clean_fields reports it
            if not low <= Decimal(value) <= high:
                errors[name] = f"Enter a dose from {low} to {high} mg/kg."
            else:
                numbers[name] = Decimal(value)

    def check(name: str, other: str, ok, message: str) -> None:
        known = name in numbers and other in numbers and name not in errors
        if known and not ok(numbers[name], numbers[other]):
            errors[name] = message.format(numbers[other])

    check(
        "predose_diastolic_refuse_at",
        "predose_systolic_refuse_at",
        lambda dia, sys: dia < sys,
        "Must be below the systolic limit ({}).",
    )
    check(
        "alert_diastolic_at",
        "alert_systolic_at",
        lambda dia, sys: dia < sys,
        "Must be below the systolic alert ({}).",
    )
    # A patient must never be dosed at a pressure that would raise an alert a minute later,
    # nor sent home at one that would raise an alert in the room.
    for reading in ("systolic", "diastolic"):
        check(
            f"predose_{reading}_refuse_at",
            f"alert_{reading}_at",
            lambda refuse, alert: refuse <= alert,
            f"Refuse dosing at or below the in-session alert level ({reading} ≥ {{}}).",
        )
        check(
            f"discharge_{reading}_below",
            f"alert_{reading}_at",
            lambda discharge, alert: discharge <= alert,
            f"Discharge only below the in-session alert level ({reading} ≥ {{}}).",
        )
    check(
        "alert_heart_rate_below",
        "alert_heart_rate_above",
        lambda low, high: low < high,
        "Must be below the upper heart-rate alert ({}).",
    )
    # The pre-dose gate is at least as strict as the in-session alerts.
    check(
        "predose_heart_rate_refuse_below",
        "predose_heart_rate_refuse_above",
        lambda low, high: low < high,
        "Must be below the upper pre-dose heart-rate limit ({}).",
    )
    check(
        "predose_heart_rate_refuse_above",
        "alert_heart_rate_above",
        lambda refuse, alert: refuse <= alert,
        "Refuse dosing at or below the in-session alert level (heart rate > {}).",
    )
    check(
        "predose_heart_rate_refuse_below",
        "alert_heart_rate_below",
        lambda refuse, alert: refuse >= alert,
        "Refuse dosing at or above the in-session alert level (heart rate < {}).",
    )
    check(
        "predose_spo2_refuse_below",
        "alert_spo2_below",
        lambda refuse, alert: refuse >= alert,
        "Refuse dosing at or above the in-session alert level (SpO2 < {}%).",
    )
    check(
        "esketamine_bp_check_from_minutes",
        "esketamine_bp_check_until_minutes",
        lambda start, end: start < end,
        "Must be before the end of the window ({} minutes).",
    )
    for prefix in ROUTE_SETTING_PREFIX.values():
        check(
            f"{prefix}_dose_min_mg_per_kg",
            f"{prefix}_dose_max_mg_per_kg",
            lambda low, high: low < high,
            "Must be below the highest dose of the route ({} mg/kg).",
        )
    # A patient is never sent home at a reading that would raise an alert in the room.
    check(
        "discharge_diastolic_below",
        "discharge_systolic_below",
        lambda dia, sys: dia < sys,
        "Must be below the systolic discharge limit ({}).",
    )
    check(
        "discharge_spo2_at_least",
        "alert_spo2_below",
        lambda discharge, alert: discharge >= alert,
        "Discharge only above the in-session alert level (SpO2 < {}%).",
    )

    known = set(Instrument.values)
    instruments = settings.measure_instruments
    if (
        not isinstance(instruments, list)
        or not set(instruments) <= known
        or len(set(instruments)) != len(instruments)
    ):
        errors["measure_instruments"] = f"Choose among {', '.join(sorted(known))}, each once."
    hours = settings.measure_after_dose_hours
    if (
        not isinstance(hours, list)
        or not all(
            isinstance(h, int) and not isinstance(h, bool) and 0 < h <= 24 * 90 for h in hours
        )
        or len(set(hours)) != len(hours)
    ):
        errors["measure_after_dose_hours"] = (
            "Whole hours after a dose, each once, from 1 to 2160 (90 days), e.g. 24, 168."
        )
    return errors
