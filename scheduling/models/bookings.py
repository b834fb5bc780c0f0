"""Scheduling's records around `practice.Session`: recurring series, each session's booking
(series membership, calendar revision, late cancellation) and the patient's answer through
a reminder's link (the outbox is `messaging`)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from practice.choices import SessionKind, SessionModality
from practice.querysets import PatientScopedQuerySet
from scheduling.choices import ConfirmationStatus


class SessionSeries(models.Model):
    """A recurring booking (weekly integration, dosing every 4 weeks…), booked as one action.

    Occurrences keep the local wall-clock start time of the first one across DST changes.
    Each booked occurrence is a Session linked through `SessionBooking.series`.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.PROTECT, related_name="session_series"
    )
    clinician = models.ForeignKey(
        "practice.StaffMember", on_delete=models.PROTECT, related_name="+"
    )
    room = models.ForeignKey(
        "practice.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plan = models.ForeignKey(
        "practice.TreatmentPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=SessionKind.choices)
    # Every occurrence is booked this way (a video series takes no room).
    modality = models.CharField(
        max_length=16, choices=SessionModality.choices, default=SessionModality.IN_PERSON
    )
    interval_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    occurrences = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(104)]
    )
    first_starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(12 * 60)]
    )
    created_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["first_starts_at"]
        verbose_name_plural = "session series"

    def __str__(self):
        return f"{self.get_kind_display()} every {self.interval_days} days – {self.patient}"


class SessionBooking(models.Model):
    """Scheduling's record of one session: its series, calendar revision and cancellation.

    `sequence` is the iCalendar SEQUENCE: every reschedule or cancellation increments it so
    subscribed calendars replace their copy.
    """

    session = models.OneToOneField(
        "practice.Session", on_delete=models.CASCADE, related_name="booking"
    )
    series = models.ForeignKey(
        SessionSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    series_index = models.PositiveSmallIntegerField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    booked_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    late_cancellation = models.BooleanField(default=False)
    cancelled_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = PatientScopedQuerySet.scoped(
        patient_path="session__patient", clinic_path="session__clinic"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["series", "series_index"], name="series_occurrence_once"
            ),
        ]

    def __str__(self):
        return f"Booking of {self.session_id} (rev {self.sequence})"


class SessionConfirmation(models.Model):
    """The patient's answer through a session reminder's link: confirmed or cancelled.

    The calendar shows it with `session.confirmation.status` (select_related("confirmation")).
    """

    session = models.OneToOneField(
        "practice.Session", on_delete=models.CASCADE, related_name="confirmation"
    )
    status = models.CharField(max_length=16, choices=ConfirmationStatus.choices)
    responded_at = models.DateTimeField()
    starts_at = models.DateTimeField(help_text="The start time the patient answered for.")

    objects = PatientScopedQuerySet.scoped(
        patient_path="session__patient", clinic_path="session__clinic"
    )

    def __str__(self):
        return f"{self.get_status_display()} – {self.session}"
