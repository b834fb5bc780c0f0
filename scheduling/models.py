"""Clinicians' working hours and retreats: the clinic's calendar.

Sessions and rooms themselves are `practice.Session` and `practice.Room`; scheduling adds
what it needs around them (`SessionBooking`: series membership, calendar revision, late
cancellation) and books rooms. Working hours are wall-clock times in the clinic's timezone,
turned into UTC instants per date, so they stay right across daylight-saving changes.
"""

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from practice.choices import SessionKind
from practice.querysets import ClinicScopedQuerySet, PatientScopedQuerySet
from scheduling.choices import (
    ConfirmationStatus,
    EnrollmentStatus,
    ExceptionKind,
    Weekday,
)


class SchedulingPolicy(models.Model):
    """A clinic's booking rules: the grid free-slot search offers start times on, and the
    cancellation window (inside it a cancellation is late, and the patient must call instead
    of cancelling from a reminder's link). A clinic without a row uses the field defaults.
    """

    clinic = models.OneToOneField(
        "practice.Clinic", on_delete=models.CASCADE, related_name="scheduling_policy"
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(120)],
        help_text="Free-slot search offers start times on this grid.",
    )
    cancellation_window_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MaxValueValidator(14 * 24)],
        help_text="Inside this many hours before a session the patient must call to cancel.",
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "scheduling policies"

    def __str__(self):
        return f"Scheduling policy of {self.clinic}"


class WorkingHours(models.Model):
    """A clinician's regular hours on one weekday, as wall-clock times in the clinic's zone.

    Several rows on one weekday make split shifts. `valid_from`/`valid_until` (inclusive)
    let a new timetable start on a date without rewriting history.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    clinician = models.ForeignKey(
        "practice.StaffMember", on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering = ["clinician", "weekday", "start_time"]
        verbose_name_plural = "working hours"
        indexes = [models.Index(fields=["clinician", "weekday"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="working_hours_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="working_hours_weekday_range"
            ),
        ]

    def __str__(self):
        return (
            f"{self.clinician} {self.get_weekday_display()} "
            f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"
        )


class AvailabilityException(models.Model):
    """Time off or extra hours for a clinician over a run of dates (inclusive).

    Times are wall-clock in the clinic's zone and apply on each date; time off without
    times takes the whole day(s). Extra hours always have times.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    clinician = models.ForeignKey(
        "practice.StaffMember", on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    kind = models.CharField(max_length=16, choices=ExceptionKind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    reason = models.CharField(max_length=120, blank=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "start_time"]
        indexes = [models.Index(fields=["clinician", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="exception_ends_on_or_after"
            ),
            models.CheckConstraint(
                condition=(Q(start_time__isnull=True) & Q(end_time__isnull=True))
                | Q(end_time__gt=F("start_time")),
                name="exception_times_both_or_none",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ExceptionKind.EXTRA_HOURS) | Q(start_time__isnull=False),
                name="extra_hours_have_times",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.clinician} {self.starts_on}–{self.ends_on}"

    def clean(self):
        """The rules of the constraints below, said to a person, field by field."""
        problems = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            problems["ends_on"] = "The last day cannot be before the first day."
        if (self.start_time is None) != (self.end_time is None):
            missing = "end_time" if self.end_time is None else "start_time"
            problems[missing] = "Give both a start and an end time, or neither for whole days."
        elif self.start_time is not None and self.end_time <= self.start_time:
            problems["end_time"] = "The end time must be after the start time."
        if self.kind == ExceptionKind.EXTRA_HOURS and self.start_time is None:
            problems.setdefault("start_time", "Extra hours need a start and an end time.")
        if problems:
            raise ValidationError(problems)


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


class Retreat(models.Model):
    """A multi-day intensive for a cohort: its dates, places, price, staff and rooms."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="retreats")
    name = models.CharField(max_length=120)
    starts_on = models.DateField()
    ends_on = models.DateField()
    location = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    price = models.DecimalField(max_digits=9, decimal_places=2, validators=[MinValueValidator(0)])
    description = models.TextField(blank=True)
    staff = models.ManyToManyField("practice.StaffMember", blank=True, related_name="retreats")
    rooms = models.ManyToManyField("practice.Room", blank=True, related_name="retreats")
    created_at = models.DateTimeField(auto_now_add=True)

    # Patients of the clinic may see retreats (to know what they can join).
    objects = ClinicScopedQuerySet.scoped(patients_may_see=True)

    class Meta:
        ordering = ["starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="retreat_ends_on_or_after"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="retreat_capacity_positive"),
        ]

    def __str__(self):
        return f"{self.name} ({self.starts_on:%b %d}–{self.ends_on:%b %d, %Y})"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The retreat ends before it starts."})

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


class RetreatTemplateItem(models.Model):
    """One line of a retreat's daily template: on day N, a session of a kind at a time.

    A group item seats the cohort together, split across the retreat's rooms up to each
    room's capacity with one clinician per room; an individual item gives every patient their
    own room and clinician at that time.
    """

    retreat = models.ForeignKey(Retreat, on_delete=models.CASCADE, related_name="template")
    day = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    kind = models.CharField(max_length=16, choices=SessionKind.choices)
    start_time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(12 * 60)]
    )
    group = models.BooleanField(default=True)
    title = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["retreat", "day", "start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["retreat", "day", "start_time"], name="template_item_once_per_slot"
            ),
            models.CheckConstraint(condition=Q(day__gte=1), name="template_day_positive"),
        ]

    def __str__(self):
        return f"Day {self.day} {self.start_time:%H:%M} {self.title or self.get_kind_display()}"


class Enrollment(models.Model):
    """A patient's place at a retreat: enrolled, waitlisted (in `position` order) or cancelled."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    retreat = models.ForeignKey(Retreat, on_delete=models.PROTECT, related_name="enrollments")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.PROTECT, related_name="retreat_enrollments"
    )
    status = models.CharField(max_length=16, choices=EnrollmentStatus.choices)
    position = models.PositiveIntegerField(
        null=True, blank=True, help_text="Place on the waitlist (1 = next to be promoted)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["retreat", "status", "position", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["retreat", "patient"],
                condition=~Q(status=EnrollmentStatus.CANCELLED),
                name="enrollment_once_per_patient",
            ),
            models.UniqueConstraint(
                fields=["retreat", "position"],
                condition=Q(status=EnrollmentStatus.WAITLISTED),
                name="waitlist_position_once",
            ),
            models.CheckConstraint(
                condition=Q(status=EnrollmentStatus.WAITLISTED, position__isnull=False)
                | (~Q(status=EnrollmentStatus.WAITLISTED) & Q(position__isnull=True)),
                name="only_waitlist_has_position",
            ),
        ]

    def __str__(self):
        return f"{self.patient} – {self.retreat} ({self.get_status_display()})"


class RetreatSession(models.Model):
    """The session a retreat's timetable gave one enrollment for one template item."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="timetable")
    item = models.ForeignKey(RetreatTemplateItem, on_delete=models.CASCADE, related_name="+")
    session = models.OneToOneField(
        "practice.Session", on_delete=models.CASCADE, related_name="retreat_entry"
    )

    objects = PatientScopedQuerySet.scoped(
        patient_path="enrollment__patient", clinic_path="enrollment__clinic"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "item"], name="timetable_entry_once")
        ]

    def __str__(self):
        return f"{self.item} – {self.enrollment.patient}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A private iCalendar URL for one clinician or one patient; revoking it kills the URL."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        "practice.StaffMember",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    patient = models.ForeignKey(
        "practice.Patient",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(staff__isnull=False, patient__isnull=True)
                | Q(staff__isnull=True, patient__isnull=False),
                name="feed_has_one_owner",
            ),
            models.UniqueConstraint(
                fields=["staff"], condition=Q(revoked_at__isnull=True), name="one_live_staff_feed"
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_patient_feed",
            ),
        ]

    def __str__(self):
        return f"Calendar feed of {self.staff or self.patient}"


# ---------------------------------------------------------------------------
# The patient's answer through a session reminder's link (the outbox is `messaging`).
# ---------------------------------------------------------------------------


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
