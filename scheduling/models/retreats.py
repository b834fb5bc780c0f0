"""Retreats: a multi-day intensive for a cohort, its daily template, the patients' places
(enrolled or waitlisted) and the sessions its timetable gave each of them."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from practice.choices import SessionKind
from practice.querysets import ClinicScopedQuerySet, PatientScopedQuerySet
from scheduling.choices import EnrollmentStatus, TimetableRunStatus


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


ACTIVE_RUN = [TimetableRunStatus.QUEUED, TimetableRunStatus.PLANNING, TimetableRunStatus.WRITING]


class TimetableRun(models.Model):
    """One generation of a retreat's timetable, started from the retreat page and done by a
    worker, so the page can follow it: `done` of `total` sessions planned (items × enrolled
    patients), then what it booked, kept and cancelled, or why it refused (`shortages`, and
    the clashing sessions in `session_ids`). At most one active run per retreat."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    retreat = models.ForeignKey(Retreat, on_delete=models.CASCADE, related_name="timetable_runs")
    status = models.CharField(
        max_length=8, choices=TimetableRunStatus.choices, default=TimetableRunStatus.QUEUED
    )
    started_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when the worker has read the retreat: sessions to plan. Empty until then.
    total = models.PositiveIntegerField(null=True, blank=True, editable=False)
    done = models.PositiveIntegerField(default=0, editable=False)
    created = models.PositiveIntegerField(default=0, editable=False)
    kept = models.PositiveIntegerField(default=0, editable=False)
    cancelled = models.PositiveIntegerField(default=0, editable=False)
    message = models.TextField(blank=True)
    shortages = models.JSONField(default=list, blank=True)
    session_ids = models.JSONField(default=list, blank=True)

    objects = ClinicScopedQuerySet.scoped()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["retreat"],
                condition=Q(status__in=ACTIVE_RUN),
                name="one_active_timetable_run_per_retreat",
            ),
        ]

    def __str__(self):
        return f"Timetable of {self.retreat.name}"

    @property
    def is_done(self) -> bool:
        """Finished one way or another: the page stops polling."""
        return self.status not in ACTIVE_RUN

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.is_done else 0
        return min(100, round(100 * self.done / self.total))

    @property
    def unit(self) -> str:
        return "sessions planned"

    @property
    def stage(self) -> str:
        if self.status == TimetableRunStatus.WRITING:
            return "Every session is planned; booking them all in one step."
        return ""
