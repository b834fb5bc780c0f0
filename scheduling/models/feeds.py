"""Private iCalendar feeds for one clinician or one patient."""

import secrets

from django.db import models
from django.db.models import Q

from practice.querysets import ClinicScopedQuerySet


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
