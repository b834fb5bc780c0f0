"""A clinic's clinical thresholds and schedules: what the safety rules compare against."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from practice.choices import (
    Instrument,
    Route,
)
from practice.models.clinics import Clinic
from practice.querysets import ClinicScopedQuerySet


def _mg_per_kg(label: str, default: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=5, decimal_places=3, default=Decimal(default))


# How each route's settings are named in ClinicalSettings (`im_dose_min_mg_per_kg`, …).


ROUTE_SETTING_PREFIX = {
    Route.INTRAMUSCULAR: "im",
    Route.INTRAVENOUS: "iv",
    Route.SUBCUTANEOUS: "sc",
    Route.ORAL: "oral",
    Route.INTRANASAL: "nasal",
}


def _default_instruments() -> list[str]:
    return [Instrument.GAD7.value, Instrument.PHQ9.value]


def _default_after_dose_hours() -> list[int]:
    return [24, 168]


class ClinicalSettings(models.Model):
    """A clinic's clinical thresholds and schedules: what the safety rules compare against.

    One row per clinic, created with the defaults on first use
    (`practice.selectors.clinical_settings_for`). Changed by a clinic admin.
    """

    clinic = models.OneToOneField(
        Clinic, on_delete=models.CASCADE, related_name="clinical_settings"
    )
    # Pre-dose gate: dosing is refused at or above either number.
    predose_systolic_refuse_at = models.PositiveSmallIntegerField(
        "refuse dosing at systolic ≥ (mmHg)", default=160
    )
    predose_diastolic_refuse_at = models.PositiveSmallIntegerField(
        "refuse dosing at diastolic ≥ (mmHg)", default=100
    )
    fasting_hours = models.PositiveSmallIntegerField(
        "fasting before dosing (hours)", default=4, validators=[MaxValueValidator(24)]
    )
    # Vital signs during a session: a reading past any of these raises an alert.
    alert_systolic_at = models.PositiveSmallIntegerField("alert at systolic ≥", default=180)
    alert_diastolic_at = models.PositiveSmallIntegerField("alert at diastolic ≥", default=110)
    alert_heart_rate_above = models.PositiveSmallIntegerField("alert at heart rate >", default=120)
    alert_heart_rate_below = models.PositiveSmallIntegerField("alert at heart rate <", default=50)
    alert_spo2_below = models.PositiveSmallIntegerField("alert at SpO2 < (%)", default=92)
    # Pre-dose gate, continued: pulse oximetry and heart rate, then the day's weight.
    predose_spo2_refuse_below = models.PositiveSmallIntegerField(
        "refuse dosing at SpO2 < (%)", default=94
    )
    predose_heart_rate_refuse_above = models.PositiveSmallIntegerField(
        "refuse dosing at heart rate >", default=110
    )
    predose_heart_rate_refuse_below = models.PositiveSmallIntegerField(
        "refuse dosing at heart rate <", default=50
    )
    weight_confirm_percent = models.PositiveSmallIntegerField(
        "confirm a weight off the screening's by more than (%)", default=10
    )
    # The dose. Past these a dose needs a medical override with a reason.
    #
    # Route ranges (mg/kg): defaults a clinic starts from, each with its basis; the clinic's
    # prescriber sets its own.
    # - IV 0.1–1.0: the IV dose-finding trial in depression gave 0.1, 0.2, 0.5 and 1.0 mg/kg
    #   (Fava et al., Mol Psychiatry 2020;25:1592–1603); 0.5 mg/kg over 40 minutes is the
    #   reference dose (Zarate et al., Arch Gen Psychiatry 2006;63:856–864).
    # - IM 0.1–2.0: 0.1–0.5 mg/kg in the IV/IM/SC dose-titration trial (Loo et al., Acta
    #   Psychiatr Scand 2016;134:48–56); 2.0 mg/kg is the high dose of ketamine
    #   psychotherapy trials (Krupitsky et al., J Subst Abuse Treat 2002;23:273–283).
    # - SC 0.1–0.5: Loo et al. 2016, above.
    # - Oral (troche, held in the mouth) 0.5–5.0: 1 mg/kg in the oral trial of Domany et al.
    #   (Br J Psychiatry 2019;214:20–26); 5 mg/kg is a 300 mg troche, the top of the usual
    #   100–300 mg (practice/reference.py), for a 60 kg adult.
    # - Intranasal 0.1–1.5: 50 mg (about 0.7 mg/kg) in the intranasal trial of Lapidus et
    #   al. (Biol Psychiatry 2014;76:970–976); bioavailability is about half of IV.
    dose_plan_margin_percent = models.PositiveSmallIntegerField(
        "override needed for a dose off the plan's by more than (%)", default=25
    )
    im_dose_min_mg_per_kg = _mg_per_kg("IM dose from (mg/kg)", "0.100")
    im_dose_max_mg_per_kg = _mg_per_kg("IM dose up to (mg/kg)", "2.000")
    iv_dose_min_mg_per_kg = _mg_per_kg("IV dose from (mg/kg)", "0.100")
    iv_dose_max_mg_per_kg = _mg_per_kg("IV dose up to (mg/kg)", "1.000")
    sc_dose_min_mg_per_kg = _mg_per_kg("SC dose from (mg/kg)", "0.100")
    sc_dose_max_mg_per_kg = _mg_per_kg("SC dose up to (mg/kg)", "0.500")
    oral_dose_min_mg_per_kg = _mg_per_kg("oral dose from (mg/kg)", "0.500")
    oral_dose_max_mg_per_kg = _mg_per_kg("oral dose up to (mg/kg)", "5.000")
    nasal_dose_min_mg_per_kg = _mg_per_kg("intranasal dose from (mg/kg)", "0.100")
    nasal_dose_max_mg_per_kg = _mg_per_kg("intranasal dose up to (mg/kg)", "1.500")
    # Discharge: the least observation after the dose, per route, then the last reading.
    #
    # No regulation sets a minimum for racemic ketamine; these defaults are a conservative
    # clinical convention: 60 minutes after IV, IM, SC and intranasal doses, whose effects
    # peak within minutes and fade over about an hour (practice/reference.py), and 90 after
    # an oral dose, absorbed more slowly (peak plasma 30–60 minutes: Yanagihara et al.,
    # Biopharm Drug Dispos 2003;24:37–43; Rolan et al., Br J Clin Pharmacol
    # 2014;77:1011–1016). Esketamine nasal spray needs at least 120 minutes, never less:
    # the SPRAVATO REMS requires monitoring for at least two hours after each dose.
    im_observe_minutes = models.PositiveSmallIntegerField(
        "after IM, observe at least (minutes)", default=60
    )
    iv_observe_minutes = models.PositiveSmallIntegerField(
        "after IV, observe at least (minutes)", default=60
    )
    sc_observe_minutes = models.PositiveSmallIntegerField(
        "after SC, observe at least (minutes)", default=60
    )
    oral_observe_minutes = models.PositiveSmallIntegerField(
        "after oral, observe at least (minutes)", default=90
    )
    nasal_observe_minutes = models.PositiveSmallIntegerField(
        "after intranasal, observe at least (minutes)", default=60
    )
    esketamine_observe_minutes = models.PositiveSmallIntegerField(
        "after esketamine, observe at least (minutes; the REMS's 120 at least)", default=120
    )
    # The label's blood-pressure reading at about 40 minutes after an esketamine dose: a
    # reading in this window counts as that one.
    esketamine_bp_check_from_minutes = models.PositiveSmallIntegerField(
        "esketamine: the ~40-minute blood pressure, from (minutes after the dose)", default=30
    )
    esketamine_bp_check_until_minutes = models.PositiveSmallIntegerField(
        "esketamine: the ~40-minute blood pressure, until (minutes after the dose)", default=50
    )
    discharge_systolic_below = models.PositiveSmallIntegerField(
        "discharge needs systolic <", default=160
    )
    discharge_diastolic_below = models.PositiveSmallIntegerField(
        "discharge needs diastolic <", default=100
    )
    discharge_spo2_at_least = models.PositiveSmallIntegerField(
        "discharge needs SpO2 ≥ (%)", default=94
    )
    discharge_baseline_tolerance_percent = models.PositiveSmallIntegerField(
        "near baseline: within (%) of the pre-dose reading", default=20
    )
    screening_valid_months = models.PositiveSmallIntegerField(
        "screening valid for (months)", default=12, validators=[MinValueValidator(1)]
    )
    integration_within_days = models.PositiveSmallIntegerField(
        "integration session within (days) of a dose",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    # Outcome measures are tied to dosing, not to the calendar.
    measure_instruments = models.JSONField(
        default=_default_instruments, help_text='Instruments to collect, e.g. ["gad7", "phq9"].'
    )
    measure_baseline_before_first_dose = models.BooleanField(default=True)
    measure_after_dose_hours = models.JSONField(
        default=_default_after_dose_hours,
        help_text="Hours after each induction dose when questionnaires are due, e.g. [24, 168].",
    )
    measure_maintenance_days = models.PositiveSmallIntegerField(
        "questionnaires every (days) in maintenance", default=30, validators=[MinValueValidator(1)]
    )
    # Sign-in security: a staff session idle this long ends (the person signs in again).
    staff_idle_timeout_minutes = models.PositiveSmallIntegerField(
        "sign staff out after idle (minutes)", default=30
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "clinical settings"
        verbose_name_plural = "clinical settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(predose_systolic_refuse_at__gt=F("predose_diastolic_refuse_at")),
                name="settings_predose_systolic_above_diastolic",
            ),
            models.CheckConstraint(
                condition=Q(alert_heart_rate_above__gt=F("alert_heart_rate_below")),
                name="settings_heart_rate_band",
            ),
            models.CheckConstraint(
                condition=Q(alert_spo2_below__lte=100), name="settings_spo2_percent"
            ),
            models.CheckConstraint(
                condition=Q(esketamine_observe_minutes__gte=120),
                name="settings_esketamine_observed_two_hours",
            ),
        ]

    def __str__(self):
        return f"Clinical settings of {self.clinic}"

    # A route added without its settings waits this long: the longest rule known, the
    # esketamine REMS's two hours.
    UNSET_ROUTE_OBSERVE_MINUTES = 120

    def dose_range(self, route: str) -> tuple[Decimal, Decimal] | None:
        """The route's dose range in mg/kg, (lowest, highest), both allowed; None for a
        route without settings (the gate then refuses every dose by it)."""
        prefix = ROUTE_SETTING_PREFIX.get(route)
        if prefix is None:
            return None
        return (
            Decimal(getattr(self, f"{prefix}_dose_min_mg_per_kg")),
            Decimal(getattr(self, f"{prefix}_dose_max_mg_per_kg")),
        )

    def observe_minutes(self, route: str) -> int:
        """The least observation after a dose by `route` before discharge (after
        esketamine never under the REMS's two hours, whatever the row says)."""
        from practice import esketamine

        if esketamine.is_esketamine(route):
            return max(self.esketamine_observe_minutes, esketamine.MIN_OBSERVE_MINUTES)
        prefix = ROUTE_SETTING_PREFIX.get(route)
        if prefix is None:
            return self.UNSET_ROUTE_OBSERVE_MINUTES
        return getattr(self, f"{prefix}_observe_minutes")

    def esketamine_bp_window(self) -> tuple[int, int]:
        """Minutes after an esketamine dose within which a reading is the ~40-minute one."""
        return self.esketamine_bp_check_from_minutes, self.esketamine_bp_check_until_minutes

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

    def clean(self):
        """Every problem at once, per field: bounds, then whether the thresholds agree."""
        from django.core.exceptions import ValidationError

        errors: dict[str, str] = {}
        numbers = {}
        for name, (low, high) in self.BOUNDS.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                continue  # clean_fields reports it
            if not low <= value <= high:
                errors[name] = f"Enter a number from {low} to {high}."
            else:
                numbers[name] = value
        minutes = self.esketamine_observe_minutes
        if isinstance(minutes, int) and not isinstance(minutes, bool):
            if minutes < 120:
                errors["esketamine_observe_minutes"] = (
                    "At least 120: the SPRAVATO REMS requires monitoring for at least two "
                    "hours after each esketamine dose."
                )
            elif minutes > 480:
                errors["esketamine_observe_minutes"] = "Enter a number from 120 to 480."
        low, high = self.DOSE_BOUNDS
        for prefix in ROUTE_SETTING_PREFIX.values():
            for end in ("min", "max"):
                name = f"{prefix}_dose_{end}_mg_per_kg"
                value = getattr(self, name)
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
        # A patient must never be dosed at a pressure that would raise an alert a minute later.
        check(
            "predose_systolic_refuse_at",
            "alert_systolic_at",
            lambda refuse, alert: refuse <= alert,
            "Refuse dosing at or below the in-session alert level (systolic ≥ {}).",
        )
        check(
            "predose_diastolic_refuse_at",
            "alert_diastolic_at",
            lambda refuse, alert: refuse <= alert,
            "Refuse dosing at or below the in-session alert level (diastolic ≥ {}).",
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
            "discharge_systolic_below",
            "alert_systolic_at",
            lambda discharge, alert: discharge <= alert,
            "Discharge only below the in-session alert level (systolic ≥ {}).",
        )
        check(
            "discharge_diastolic_below",
            "alert_diastolic_at",
            lambda discharge, alert: discharge <= alert,
            "Discharge only below the in-session alert level (diastolic ≥ {}).",
        )
        check(
            "discharge_spo2_at_least",
            "alert_spo2_below",
            lambda discharge, alert: discharge >= alert,
            "Discharge only above the in-session alert level (SpO2 < {}%).",
        )

        known = set(Instrument.values)
        instruments = self.measure_instruments
        if (
            not isinstance(instruments, list)
            or not set(instruments) <= known
            or len(set(instruments)) != len(instruments)
        ):
            errors["measure_instruments"] = f"Choose among {', '.join(sorted(known))}, each once."
        hours = self.measure_after_dose_hours
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
        if errors:
            raise ValidationError(errors)
