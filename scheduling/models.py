"""Rooms, clinicians' working hours, retreats and reminders: the clinic's calendar."""

from django.core.validators import MinValueValidator
from django.db import models

from practice.querysets import ClinicScopedQuerySet


class Room(models.Model):
    """A room sessions are held in; only a dosing-capable room may host a dosing session."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=80)
    capacity = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    dosing_capable = models.BooleanField(
        default=False, help_text="Has monitoring equipment and a recliner for dosing sessions."
    )
    is_active = models.BooleanField(default=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="room_name_once_per_clinic")
        ]

    def __str__(self):
        return self.name
