"""Treatment plans: induction and maintenance, and changes to the plan's target."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from practice.choices import (
    PlanStatus,
    Route,
)
from practice.models.clinics import Clinic, StaffMember
from practice.models.patients import Diagnosis, Patient
from practice.querysets import PatientScopedQuerySet


class TreatmentPlan(models.Model):
    """A patient's course of KAP: route, starting dose, induction then maintenance.

    Ketamine's starting dose is in mg/kg; esketamine's is a fixed dose in mg (56 or 84,
    the label's only doses: practice/esketamine.py), never both.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="plans")
    diagnoses = models.ManyToManyField(Diagnosis, blank=True, related_name="plans")
    route = models.CharField(max_length=20, choices=Route.choices)
    starting_dose_mg_per_kg = models.DecimalField(
        "starting dose (mg/kg)",
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="Ketamine routes.",
    )
    starting_dose_mg = models.DecimalField(
        "starting dose (mg)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Esketamine: 56 or 84 mg.",
    )
    induction_target_sessions = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    induction_weeks = models.PositiveSmallIntegerField(
        "induction length (weeks)",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(26)],
        help_text="About how long the induction doses should take.",
    )
    maintenance_interval_days = models.PositiveSmallIntegerField(
        "maintenance interval (days)",
        default=30,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
    )
    goals = models.TextField(blank=True, help_text="What the patient hopes to change.")
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    screening = models.ForeignKey(
        "Screening",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The cleared screening the plan was activated on.",
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    maintenance_started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=PlanStatus.DISCONTINUED) | ~Q(end_reason=""),
                name="plan_discontinued_has_reason",
            ),
            models.CheckConstraint(
                condition=(
                    Q(route=Route.ESKETAMINE_NASAL)
                    & Q(starting_dose_mg__in=[56, 84])
                    & Q(starting_dose_mg_per_kg__isnull=True)
                )
                | (
                    ~Q(route=Route.ESKETAMINE_NASAL)
                    & Q(starting_dose_mg_per_kg__isnull=False)
                    & Q(starting_dose_mg__isnull=True)
                ),
                name="plan_starting_dose_fits_route",
            ),
        ]

    def __str__(self):
        return f"{self.patient} – {self.get_route_display()} ({self.get_status_display()})"

    def clean(self):
        """The starting dose in the route's unit: mg/kg for ketamine, 56 or 84 mg for
        esketamine (the label's doses)."""
        from django.core.exceptions import ValidationError

        from practice import esketamine

        errors = {}
        if esketamine.is_esketamine(self.route):
            if self.starting_dose_mg_per_kg is not None:
                errors["starting_dose_mg_per_kg"] = (
                    "Esketamine is dosed in mg, not mg/kg: give the starting dose in mg."
                )
            if self.starting_dose_mg is None or not esketamine.allowed_dose(self.starting_dose_mg):
                errors["starting_dose_mg"] = (
                    f"An esketamine session's dose is {esketamine.doses_text()}."
                )
        else:
            if self.starting_dose_mg_per_kg is None:
                errors["starting_dose_mg_per_kg"] = "Give the starting dose in mg/kg."
            if self.starting_dose_mg is not None:
                errors["starting_dose_mg"] = (
                    "A starting dose in mg is for esketamine; ketamine's is in mg/kg."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def starting_dose_display(self) -> str:
        if self.starting_dose_mg is not None:
            return f"{self.starting_dose_mg.normalize():f} mg"
        if self.starting_dose_mg_per_kg is None:
            return "—"
        return f"{self.starting_dose_mg_per_kg.normalize():f} mg/kg"

    @property
    def is_running(self) -> bool:
        """Doses may be given under this plan (induction or maintenance)."""
        return self.status in (PlanStatus.ACTIVE, PlanStatus.MAINTENANCE)


class PlanTargetChange(models.Model):
    """Medical staff changed a plan's induction target, saying why.

    Past the target the dosing gate refuses another induction dose: the plan moves to
    maintenance, or the target is raised here. The plan's own row keeps the new number (and
    the audit log its change); this row keeps the reason beside it, for the plan's page.
    """

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="target_changes")
    from_sessions = models.PositiveSmallIntegerField()
    to_sessions = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    reason = models.CharField(max_length=500)
    changed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    objects = PatientScopedQuerySet.scoped(patient_path="plan__patient", clinic_path="plan__clinic")

    class Meta:
        ordering = ["plan", "changed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="plan_target_change_has_reason"),
            models.CheckConstraint(
                condition=~Q(from_sessions=F("to_sessions")), name="plan_target_change_changes"
            ),
        ]

    def __str__(self):
        return f"Induction target {self.from_sessions} → {self.to_sessions} ({self.plan})"
