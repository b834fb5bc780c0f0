"""A clinic's booking rules and its clinicians' availability: working hours as wall-clock
times in the clinic's zone, and time off or extra hours over a run of dates."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from practice.choices import SessionKind
from practice.querysets import ClinicScopedQuerySet
from scheduling.choices import ExceptionKind, Weekday


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
    # Self-booking from the portal. Dosing is never offered: it has no field here, and the
    # booking request itself refuses the kind (model check and service).
    self_booking_preparation = models.BooleanField(
        default=True, help_text="Patients may book preparation sessions with their care team."
    )
    self_booking_integration = models.BooleanField(
        default=True, help_text="Patients may book integration sessions with their care team."
    )
    self_booking_minutes = models.PositiveSmallIntegerField(
        default=50,
        validators=[MinValueValidator(15), MaxValueValidator(240)],
        help_text="Length of a session a patient books.",
    )
    self_booking_min_notice_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MaxValueValidator(14 * 24)],
        help_text="A patient books at least this many hours ahead.",
    )
    self_booking_max_days_ahead = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="A patient books at most this many days ahead.",
    )
    self_booking_auto_confirm = models.BooleanField(
        default=False,
        help_text="Book a patient's request at once; otherwise an admin approves each one.",
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "scheduling policies"

    def __str__(self):
        return f"Scheduling policy of {self.clinic}"

    @property
    def self_booking_kinds(self) -> list[str]:
        """The session kinds a patient may book themselves (never dosing)."""
        kinds = []
        if self.self_booking_preparation:
            kinds.append(SessionKind.PREPARATION)
        if self.self_booking_integration:
            kinds.append(SessionKind.INTEGRATION)
        return kinds


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
