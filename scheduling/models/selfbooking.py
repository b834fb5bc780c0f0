"""A patient's own booking from the portal: a request for a slot with their care team,
confirmed at once or by an admin depending on the clinic's `SchedulingPolicy`."""

from django.db import models
from django.db.models import F, Q

from practice.choices import SessionKind, SessionModality
from practice.querysets import PatientScopedQuerySet
from scheduling.choices import BookingRequestStatus


class BookingRequest(models.Model):
    """A slot a patient asked for. `session` is the booked Session once confirmed; a
    declined request carries the clinic's message to the patient. Never a dosing session.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.CASCADE, related_name="booking_requests"
    )
    clinician = models.ForeignKey(
        "practice.StaffMember", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=SessionKind.choices)
    modality = models.CharField(
        max_length=10, choices=SessionModality.choices, default=SessionModality.IN_PERSON
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=16,
        choices=BookingRequestStatus.choices,
        default=BookingRequestStatus.REQUESTED,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True, help_text="The clinic's message to the patient.")
    session = models.OneToOneField(
        "practice.Session",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="booking_request",
    )

    objects = PatientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["clinic", "status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_request_end_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(kind=SessionKind.DOSING), name="booking_request_never_dosing"
            ),
            models.CheckConstraint(
                condition=Q(status__in=BookingRequestStatus.values),
                name="booking_request_status_valid",
            ),
        ]

    def __str__(self):
        return f"Booking request {self.pk} ({self.get_status_display()})"
