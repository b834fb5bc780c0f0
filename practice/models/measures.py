"""Outcome measures (questionnaires) and the safety alerts they and the vitals raise."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from practice.choices import (
    AlertKind,
    AlertSeverity,
    Instrument,
)
from practice.models.clinics import Clinic, StaffMember
from practice.models.patients import Patient
from practice.models.sessions import Session, VitalSigns
from practice.querysets import PatientScopedQuerySet


class MeasureResponse(models.Model):
    """A completed questionnaire (GAD-7, PHQ-9, PCL-5): item answers, total score, severity.

    Score and severity are computed by `practice.instruments` when the response is recorded
    and never edited; a correction is a new response.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="measures")
    instrument = models.CharField(max_length=8, choices=Instrument.choices)
    answers = models.JSONField(
        help_text="Item answers in order, each 0–3 (GAD-7, PHQ-9) or 0–4 (PCL-5)."
    )
    score = models.PositiveSmallIntegerField()
    severity = models.CharField(max_length=24)
    answered_at = models.DateTimeField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_on_behalf = models.BooleanField(
        default=False, help_text="Staff entered the patient's answers (e.g. read out by phone)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-answered_at", "-id"]
        indexes = [models.Index(fields=["patient", "instrument", "answered_at"])]
        constraints = [
            # GAD-7 and PHQ-9 top out at 21 and 27, PCL-5 at 80.
            models.CheckConstraint(
                condition=Q(score__lte=27) | Q(instrument=Instrument.PCL5, score__lte=80),
                name="measure_score_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.get_instrument_display()} {self.score} ({self.severity}) – {self.patient}"


class SafetyAlert(models.Model):
    """Something the care team must see now: out-of-range vitals, PHQ-9 item 9 above 0.

    Shown on the care team's dashboards until a clinician acknowledges it: with a note, or,
    for a suicidality alert, only by recording a risk assessment (`RiskAssessment`). While
    an urgent alert is open the patient is not dosed.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="safety_alerts")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    severity = models.CharField(max_length=8, choices=AlertSeverity.choices)
    message = models.CharField(max_length=300)
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="safety_alerts"
    )
    vital_signs = models.ForeignKey(
        VitalSigns, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    measure = models.ForeignKey(
        MeasureResponse, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledgement_note = models.TextField(blank=True)
    notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the care team was emailed."
    )

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["clinic", "acknowledged_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True)
                | (Q(acknowledged_by__isnull=False) & ~Q(acknowledgement_note="")),
                name="alert_acknowledged_with_note",
            ),
        ]

    def __str__(self):
        return f"{self.get_severity_display()}: {self.message}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
