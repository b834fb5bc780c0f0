"""The clinic's contraindication checklist and patients' screenings against it."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from practice.choices import (
    ContraindicationSeverity,
    ScreeningResult,
)
from practice.models.clinics import Clinic, StaffMember
from practice.models.patients import Patient
from practice.querysets import ClinicScopedQuerySet, PatientScopedQuerySet


class Contraindication(models.Model):
    """One item of a clinic's screening checklist, absolute (rules out) or relative."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="contraindications")
    name = models.CharField(max_length=120)
    severity = models.CharField(max_length=8, choices=ContraindicationSeverity.choices)
    guidance = models.CharField(max_length=300, blank=True)
    # How the patient's intake asks about it, in plain words; blank → `question`'s default.
    patient_question = models.CharField(
        "question for patients",
        max_length=300,
        blank=True,
        help_text="Plain language, as the intake questionnaire asks it.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering = ["clinic", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "name"], name="contraindication_name_once_per_clinic"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.get_severity_display()})"

    @property
    def question(self) -> str:
        """What the patient is asked: the clinic's plain question, or one made of the name."""
        if self.patient_question:
            return self.patient_question
        # "Severe liver disease" reads mid-sentence in lower case; an acronym ("MAOI") stays.
        name = self.name if self.name[1:2].isupper() else self.name[:1].lower() + self.name[1:]
        return f"Do you have, or have you had: {name}?"


class Screening(models.Model):
    """A patient's medical and psychological screening before (and between) KAP courses.

    Result: any absolute contraindication → not cleared; a relative one → needs review
    until a medical staff member signs it off with a reason; none → cleared. A cleared
    screening is valid from `screened_on` to `expires_on` inclusive.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="screenings")
    screened_on = models.DateField()
    screened_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    medications = models.TextField("current medications", blank=True)
    baseline_systolic = models.PositiveSmallIntegerField(
        "baseline systolic (mmHg)", validators=[MinValueValidator(50), MaxValueValidator(300)]
    )
    baseline_diastolic = models.PositiveSmallIntegerField(
        "baseline diastolic (mmHg)", validators=[MinValueValidator(20), MaxValueValidator(200)]
    )
    baseline_heart_rate = models.PositiveSmallIntegerField(
        "baseline heart rate (bpm)", validators=[MinValueValidator(20), MaxValueValidator(250)]
    )
    weight_kg = models.DecimalField(
        "weight (kg)",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(20), MaxValueValidator(400)],
    )
    notes = models.TextField(blank=True)
    result = models.CharField(max_length=16, choices=ScreeningResult.choices)
    expires_on = models.DateField()
    signed_off_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    sign_off_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-screened_on", "-id"]
        indexes = [models.Index(fields=["patient", "result", "expires_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("screened_on")), name="screening_expires_after"
            ),
            models.CheckConstraint(
                condition=Q(baseline_systolic__gt=F("baseline_diastolic")),
                name="screening_systolic_above_diastolic",
            ),
            models.CheckConstraint(
                condition=Q(signed_off_by__isnull=True)
                | (Q(signed_off_at__isnull=False) & ~Q(sign_off_reason="")),
                name="screening_sign_off_has_reason",
            ),
        ]

    def __str__(self):
        return f"Screening of {self.patient} on {self.screened_on} – {self.get_result_display()}"

    def is_valid_on(self, day) -> bool:
        return self.result == ScreeningResult.CLEARED and self.screened_on <= day <= self.expires_on


class ScreeningFinding(models.Model):
    """A contraindication found at a screening, copied so later checklist edits don't alter it."""

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="findings")
    contraindication = models.ForeignKey(
        Contraindication, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=120)
    severity = models.CharField(max_length=8, choices=ContraindicationSeverity.choices)
    note = models.CharField(max_length=300, blank=True)

    objects = PatientScopedQuerySet.scoped(
        patient_path="screening__patient", clinic_path="screening__clinic"
    )

    class Meta:
        ordering = ["screening", "id"]
        constraints = [
            models.UniqueConstraint(fields=["screening", "name"], name="screening_finding_once")
        ]

    def __str__(self):
        return f"{self.name} ({self.severity})"
