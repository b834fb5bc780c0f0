"""A rendering provider's signature, printed on the superbills they render services on."""

import base64

from django.conf import settings
from django.db import models
from django.db.models import Q

from practice.models.clinics import Clinic, StaffMember
from practice.querysets import ClinicScopedQuerySet


class ProviderSignature(models.Model):
    """The signature image of one staff member, stored once and placed on every superbill
    that lists them as a rendering provider.

    Drawn on the signature pad or uploaded (a PNG or JPEG, judged by content), always kept
    as PNG bytes so the PDF renderer embeds it without fetching anything. Never edited: a
    new signature replaces the current one (`replaced_at` set on the old row, which stays
    for the record), and the database allows one current signature per staff member.
    """

    class Source(models.TextChoices):
        DRAWN = "drawn", "Drawn on the pad"
        UPLOADED = "uploaded", "Uploaded image"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    staff_member = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="signatures"
    )
    png = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=16, choices=Source.choices)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()
    replaced_at = models.DateTimeField(null=True, blank=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-set_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff_member"],
                condition=Q(replaced_at__isnull=True),
                name="one_current_signature_per_staff_member",
            ),
        ]

    def __str__(self):
        return f"Signature of staff member {self.staff_member_id}"

    @property
    def data_url(self) -> str:
        """The image inline (pages and PDFs show it without a file route)."""
        return "data:image/png;base64," + base64.b64encode(bytes(self.png)).decode()
