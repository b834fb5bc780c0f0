"""Outside documents on a patient's record: an ECG, labs, a therapist's letter, the
insurance card, an ID. Uploaded by the patient (portal) or by staff (the record)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from practice.choices import DocumentContentType, DocumentKind
from practice.models.clinics import Clinic, StaffMember
from practice.models.patients import Patient
from practice.querysets import PatientScopedQuerySet

# What a download is called, whatever the uploaded file was called.
EXTENSIONS = {
    DocumentContentType.PDF: "pdf",
    DocumentContentType.JPEG: "jpg",
    DocumentContentType.PNG: "png",
    DocumentContentType.HEIC: "heic",
    DocumentContentType.HEIF: "heif",
}


def document_path(instance: "PatientDocument", filename: str) -> str:
    """`documents/<clinic id>/<random>`: nothing of the patient, nothing of the uploaded
    name (a name like "jane-doe-hiv-test.pdf" must not reach the storage's listings or its
    logs), and not guessable from another document's path."""
    return f"documents/{instance.clinic_id}/{uuid.uuid4().hex}"


class PatientDocument(models.Model):
    """A file a prescriber or the front desk needs on the record, checked by its content
    (`practice.services.documents`), stored through Django's storage API under a random
    name, and served only through the scoped, audited download views.

    Never deleted by a user: staff may withdraw one with a reason (it leaves the lists and
    stays stored). Medical staff or an admin marks it reviewed.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=24, choices=DocumentKind.choices)
    document_date = models.DateField(
        "date of the document",
        null=True,
        blank=True,
        help_text="When the test was done or the letter written, if the document says.",
    )
    notes = models.TextField(blank=True, max_length=2000)
    file = models.FileField(upload_to=document_path, max_length=200, editable=False)
    original_filename = models.CharField(
        max_length=200,
        blank=True,
        editable=False,
        help_text="The uploaded file's name, cleaned, for display only (never a path).",
    )
    content_type = models.CharField(
        max_length=20, choices=DocumentContentType.choices, editable=False
    )
    size = models.PositiveIntegerField("size in bytes", editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    uploaded_at = models.DateTimeField(editable=False)
    reviewed_by = models.ForeignKey(
        StaffMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        StaffMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawal_reason = models.CharField(max_length=500, blank=True, editable=False)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "uploaded_at"]),
            # The clinic's "documents to review" list.
            models.Index(
                fields=["clinic", "uploaded_at"],
                condition=Q(reviewed_at__isnull=True, withdrawn_at__isnull=True),
                name="document_to_review",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values), name="document_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=DocumentContentType.values),
                name="document_content_type_allowed",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="document_not_empty"),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True, reviewed_by__isnull=True)
                | Q(reviewed_at__isnull=False, reviewed_by__isnull=False),
                name="document_reviewed_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | (
                    Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False)
                    & ~Q(withdrawal_reason="")
                ),
                name="document_withdrawn_with_reason",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.patient}"

    @property
    def download_name(self) -> str:
        """The generic name a download is saved under: `document-<id>.<ext>`."""
        return f"document-{self.pk}.{EXTENSIONS.get(self.content_type, 'bin')}"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
