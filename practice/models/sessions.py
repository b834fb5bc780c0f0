"""Sessions, the dose given in a dosing session, its vital signs and adverse events."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from practice.choices import (
    AdverseEventKind,
    AdverseEventSeverity,
    Route,
    Sedation,
    SessionKind,
    SessionModality,
    SessionStatus,
)
from practice.models.clinics import Clinic, Room, StaffMember
from practice.models.patients import Patient
from practice.models.plans import TreatmentPlan
from practice.querysets import PatientScopedQuerySet


class Session(models.Model):
    """One appointment of a patient with a clinician: preparation, dosing or integration.

    A group session (an integration circle) is one Session per attendee sharing a
    `booking_key`: the room and clinician rules treat rows with the same key as one booking,
    and each attendee keeps their own status, note and charge.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sessions")
    plan = models.ForeignKey(
        TreatmentPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    kind = models.CharField(max_length=16, choices=SessionKind.choices)
    clinician = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="sessions")
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    modality = models.CharField(
        max_length=12, choices=SessionModality.choices, default=SessionModality.IN_PERSON
    )
    # The video room's unguessable name (set when the session becomes video); the join link
    # is built from it on demand by `practice.video` and never stored or logged in full.
    video_room = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    booking_key = models.UUIDField(default=uuid.uuid4, editable=False)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            # The clinic's calendar and the sessions API's keyset order (starts_at, id).
            models.Index(fields=["clinic", "starts_at", "id"], name="session_clinic_starts_id"),
            models.Index(fields=["clinician", "starts_at"]),
            models.Index(fields=["patient", "starts_at"]),
            # A group booking's attendees (the session page, the room and clinician rules,
            # moving or cancelling a group): without it each of these reads every session.
            models.Index(fields=["booking_key"], name="session_booking_key"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            # Dosing is never by video (at-home dosing is out of scope), and a video session
            # always has its room name.
            models.CheckConstraint(
                condition=~Q(modality=SessionModality.VIDEO, kind=SessionKind.DOSING),
                name="session_dosing_never_video",
            ),
            models.CheckConstraint(
                condition=~Q(modality=SessionModality.VIDEO) | Q(video_room__isnull=False),
                name="session_video_has_room_name",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.patient} – {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_video(self) -> bool:
        return self.modality == SessionModality.VIDEO

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class DosingRecord(models.Model):
    """The ketamine (or esketamine) given in a dosing session, by whom, and how the patient
    fared."""

    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="dosing")
    route = models.CharField(max_length=20, choices=Route.choices)
    dose_mg = models.DecimalField(max_digits=7, decimal_places=2, validators=[MinValueValidator(0)])
    weight_kg = models.DecimalField(
        max_digits=5, decimal_places=1, validators=[MinValueValidator(1)]
    )
    dose_mg_per_kg = models.DecimalField(
        "dose (mg/kg)", max_digits=6, decimal_places=3, null=True, blank=True, editable=False
    )
    lot_number = models.CharField(max_length=40, blank=True)
    administered_at = models.DateTimeField(null=True, blank=True)
    administered_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    # The pre-dose gate's inputs, kept as they were when the dose was allowed.
    escort_confirmed = models.BooleanField(
        "escort / driver confirmed", default=False, help_text="Someone will take the patient home."
    )
    fasting_confirmed = models.BooleanField(default=False)
    predose_systolic = models.PositiveSmallIntegerField(
        "pre-dose systolic (mmHg)",
        null=True,
        validators=[MinValueValidator(50), MaxValueValidator(300)],
    )
    predose_diastolic = models.PositiveSmallIntegerField(
        "pre-dose diastolic (mmHg)",
        null=True,
        validators=[MinValueValidator(20), MaxValueValidator(200)],
    )
    predose_heart_rate = models.PositiveSmallIntegerField(
        "pre-dose heart rate (bpm)",
        null=True,
        blank=True,
        validators=[MinValueValidator(20), MaxValueValidator(250)],
    )
    predose_spo2 = models.PositiveSmallIntegerField(
        "pre-dose SpO2 (%)",
        null=True,
        blank=True,
        validators=[MinValueValidator(50), MaxValueValidator(100)],
    )
    weight_confirmed = models.BooleanField(
        default=False,
        help_text="The day's weight differs from the screening's by more than the clinic's "
        "margin and was re-checked.",
    )
    # A dose outside the route's range or the plan's dose, given on purpose: who, why, and
    # what the gate said (the words of the refusal the override answered).
    dose_override_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dose_override_reason = models.CharField(max_length=500, blank=True)
    dose_override_for = models.CharField(
        "dose override answered", max_length=500, blank=True, editable=False
    )
    dissociation_score = models.PositiveSmallIntegerField(
        "peak dissociation (0–10)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
        help_text="Clinician's rating: 0 none, 10 complete (unresponsive to surroundings).",
    )
    sedation = models.CharField(
        "deepest sedation",
        max_length=10,
        choices=Sedation.choices,
        blank=True,
        help_text="Assessed after the dose; required before discharge after esketamine.",
    )
    notes = models.TextField(blank=True)
    # The discharge checklist: all three before the patient leaves and the session completes.
    discharge_vitals_near_baseline = models.BooleanField(default=False)
    discharge_alert_and_oriented = models.BooleanField(default=False)
    discharge_escort_present = models.BooleanField(default=False)
    # The assessment the esketamine label asks for after the two hours (required for it).
    discharge_ready_per_clinical_judgement = models.BooleanField(
        "clinically stable and ready to leave, per clinical judgement", default=False
    )
    # The REMS's evaluation question: without the two-hour minimum, when would the patient
    # have been ready to leave (minutes from the dose)?
    ready_after_minutes = models.PositiveSmallIntegerField(
        "ready to leave after (minutes), were there no two-hour minimum",
        null=True,
        blank=True,
        validators=[MaxValueValidator(24 * 60)],
    )
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharged_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(
        patient_path="session__patient", clinic_path="session__clinic"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(dose_mg__gt=0), name="dosing_dose_positive"),
            models.CheckConstraint(
                condition=Q(discharged_at__isnull=True)
                | Q(
                    discharge_vitals_near_baseline=True,
                    discharge_alert_and_oriented=True,
                    discharge_escort_present=True,
                ),
                name="dosing_discharge_checklist_complete",
            ),
            models.CheckConstraint(
                condition=Q(dose_override_by__isnull=True, dose_override_reason="")
                | (Q(dose_override_by__isnull=False) & ~Q(dose_override_reason="")),
                name="dosing_override_has_reason",
            ),
            # Esketamine: the label's doses only, and no discharge without the clinical
            # judgement (the service lists every other REMS item; the database keeps these).
            models.CheckConstraint(
                condition=~Q(route=Route.ESKETAMINE_NASAL) | Q(dose_mg__in=[56, 84]),
                name="dosing_esketamine_label_dose",
            ),
            models.CheckConstraint(
                condition=~Q(route=Route.ESKETAMINE_NASAL)
                | Q(discharged_at__isnull=True)
                | Q(discharge_ready_per_clinical_judgement=True),
                name="dosing_esketamine_discharge_judged",
            ),
        ]

    def __str__(self):
        return f"{self.dose_mg} mg {self.get_route_display()} – {self.session}"

    @property
    def discharge_complete(self) -> bool:
        return self.discharged_at is not None

    @property
    def dose_overridden(self) -> bool:
        return self.dose_override_by_id is not None

    @property
    def is_esketamine(self) -> bool:
        return self.route == Route.ESKETAMINE_NASAL


class VitalSigns(models.Model):
    """One reading during a dosing session (typically every 10–15 minutes)."""

    dosing_record = models.ForeignKey(DosingRecord, on_delete=models.PROTECT, related_name="vitals")
    taken_at = models.DateTimeField()
    systolic = models.PositiveSmallIntegerField(
        "systolic (mmHg)", validators=[MinValueValidator(50), MaxValueValidator(300)]
    )
    diastolic = models.PositiveSmallIntegerField(
        "diastolic (mmHg)", validators=[MinValueValidator(20), MaxValueValidator(200)]
    )
    heart_rate = models.PositiveSmallIntegerField(
        "heart rate (bpm)", validators=[MinValueValidator(20), MaxValueValidator(250)]
    )
    spo2 = models.PositiveSmallIntegerField(
        "SpO2 (%)", validators=[MinValueValidator(50), MaxValueValidator(100)]
    )
    out_of_range = models.BooleanField(default=False, editable=False)
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(
        patient_path="dosing_record__session__patient",
        clinic_path="dosing_record__session__clinic",
    )

    class Meta:
        ordering = ["dosing_record", "taken_at", "id"]
        verbose_name_plural = "vital signs"
        constraints = [
            models.CheckConstraint(
                condition=Q(systolic__gt=F("diastolic")), name="vitals_systolic_above_diastolic"
            ),
        ]

    def __str__(self):
        return f"{self.systolic}/{self.diastolic} HR {self.heart_rate} SpO2 {self.spo2}%"


class AdverseEvent(models.Model):
    """Something unwanted that happened during or after a dose."""

    dosing_record = models.ForeignKey(
        DosingRecord, on_delete=models.PROTECT, related_name="adverse_events"
    )
    kind = models.CharField(max_length=16, choices=AdverseEventKind.choices)
    description = models.CharField(
        max_length=300, blank=True, help_text="Required for 'Other'; otherwise optional detail."
    )
    severity = models.CharField(
        max_length=8, choices=AdverseEventSeverity.choices, default=AdverseEventSeverity.MILD
    )
    action_taken = models.CharField(max_length=300, blank=True)
    occurred_at = models.DateTimeField()
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(
        patient_path="dosing_record__session__patient",
        clinic_path="dosing_record__session__clinic",
    )

    class Meta:
        ordering = ["dosing_record", "occurred_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=AdverseEventKind.OTHER) | ~Q(description=""),
                name="adverse_event_other_is_described",
            ),
        ]

    def __str__(self):
        return self.description or self.get_kind_display()
