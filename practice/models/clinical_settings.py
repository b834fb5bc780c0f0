"""A clinic's clinical thresholds and schedules: what the safety rules compare against."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from practice import esketamine
from practice.choices import Instrument
from practice.models.clinical_settings_rules import (
    BOUNDS,
    DOSE_BOUNDS,
    ROUTE_SETTING_PREFIX,
    clinical_settings_errors,
)
from practice.models.clinics import Clinic
from practice.querysets import ClinicScopedQuerySet


def _mg_per_kg(label: str, default: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=5, decimal_places=3, default=Decimal(default))


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
        if esketamine.is_esketamine(route):
            return max(self.esketamine_observe_minutes, esketamine.MIN_OBSERVE_MINUTES)
        prefix = ROUTE_SETTING_PREFIX.get(route)
        if prefix is None:
            return self.UNSET_ROUTE_OBSERVE_MINUTES
        return getattr(self, f"{prefix}_observe_minutes")

    def esketamine_bp_window(self) -> tuple[int, int]:
        """Minutes after an esketamine dose within which a reading is the ~40-minute one."""
        return self.esketamine_bp_check_from_minutes, self.esketamine_bp_check_until_minutes

    # The bounds of each number, defined with the rules that use them.
    BOUNDS = BOUNDS
    DOSE_BOUNDS = DOSE_BOUNDS

    def clean(self):
        """Every problem at once, per field: bounds, then whether the thresholds agree
        (`clinical_settings_errors`)."""
        errors = clinical_settings_errors(self)
        if errors:
            raise ValidationError(errors)
