"""Consent documents: the clinic's versioned templates and the patient's signed consents.

A template's body names the fields it is filled with (`{{ patient_name }}` …, see
`CONSENT_FIELDS`). A signed `Consent` keeps the text as rendered for the patient, the typed
name, the drawn signature (PNG), who signed, when, from which address and browser, and a
SHA-256 over the document (`Consent.compute_hash`). It never changes afterwards except for
the countersignature and the revocation (`MUTABLE_FIELDS`): `save()` refuses anything else,
and database triggers (migration 0011) refuse it too, and refuse a DELETE on PostgreSQL.
"""

import datetime
import hashlib
import re

from django.conf import settings
from django.db import models
from django.db.models import Q

from practice.choices import ConsentKind, ConsentTemplateStatus
from practice.errors import ConsentImmutable
from practice.models.clinics import Clinic, StaffMember
from practice.models.patients import Patient
from practice.querysets import ClinicScopedQuerySet, PatientScopedQuerySet

# The named fields a template body may use, and what each is filled with when rendered.
CONSENT_FIELDS = {
    "patient_name": "the patient's legal name",
    "date_of_birth": "the patient's date of birth",
    "clinic_name": "the clinic's name",
    "prescriber": "the prescribing clinician (medical staff on the care team)",
    "date": "the date of signing (clinic time)",
}
# Each kind names at least the patient and the clinic; the medical documents also the
# prescriber (who takes responsibility for the controlled substance).
REQUIRED_FIELDS = {
    ConsentKind.KAP_INFORMED_CONSENT: (
        "patient_name",
        "date_of_birth",
        "clinic_name",
        "prescriber",
    ),
    ConsentKind.CONTROLLED_SUBSTANCE_AGREEMENT: ("patient_name", "clinic_name", "prescriber"),
    ConsentKind.TELEHEALTH: ("patient_name", "clinic_name"),
    ConsentKind.FINANCIAL_POLICY: ("patient_name", "clinic_name"),
    ConsentKind.RELEASE_OF_INFORMATION: ("patient_name", "date_of_birth", "clinic_name"),
}
FIELD_PATTERN = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def braced(name: str) -> str:
    """A named field as a template body writes it: `{{ patient_name }}`."""
    return "{{ " + name + " }}"


class ConsentTemplate(models.Model):
    """One version of a clinic's consent document of one kind.

    Versions count up per clinic and kind. A draft becomes published (the clinic's current
    version of that kind: at most one) and is retired when a later version is published.
    The body never changes once published; a change is a new version. A new version with
    `requires_new_signature` makes every consent signed on an earlier version no longer
    current (the patient signs again); without it, earlier signatures stand.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="consent_templates")
    kind = models.CharField(max_length=40, choices=ConsentKind.choices)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=160)
    body = models.TextField(
        help_text="The document's text. Named fields in double braces are filled in for each "
        "patient: " + ", ".join(braced(name) for name in CONSENT_FIELDS) + "."
    )
    requires_new_signature = models.BooleanField(
        default=True,
        help_text="Patients who signed an earlier version must sign this one.",
    )
    requires_countersignature = models.BooleanField(
        default=False, help_text="Medical staff or an admin countersign each signed consent."
    )
    status = models.CharField(
        max_length=10, choices=ConsentTemplateStatus.choices, default=ConsentTemplateStatus.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClinicScopedQuerySet.scoped(patients_may_see=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "kind", "version"], name="consent_template_version_once"
            ),
            models.UniqueConstraint(
                fields=["clinic", "kind"],
                condition=Q(status="published"),
                name="consent_template_one_published",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ConsentKind.values), name="consent_template_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="consent_template_version_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="consent_template_published_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"

    @property
    def field_names(self) -> list[str]:
        return sorted(set(FIELD_PATTERN.findall(self.body)))


class Consent(models.Model):
    """A patient's signature on one version of a consent document: the signed record.

    Holds the text exactly as the patient read it, the typed name, the drawn signature
    (PNG bytes), when (`signed_at`), from where (address, browser) and by which login, and
    `sha256` (see `compute_hash`). Immutable once saved, except the countersignature and
    the revocation, which are recorded here (a revoked consent is kept, never deleted).
    """

    # What may change after signing; everything else is refused by save() and the database.
    MUTABLE_FIELDS = frozenset(
        {
            "countersigned_by",
            "countersigned_at",
            "revoked_at",
            "revoked_by",
            "revocation_reason",
        }
    )

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    template = models.ForeignKey(ConsentTemplate, on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(max_length=40, choices=ConsentKind.choices)
    title = models.CharField(max_length=160)
    rendered_text = models.TextField()
    signed_name = models.CharField(max_length=200)
    signature_png = models.BinaryField()
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    signed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sha256 = models.CharField("SHA-256 of the signed document", max_length=64)
    countersigned_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    countersigned_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_reason = models.TextField(blank=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["patient", "kind", "signed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ConsentKind.values), name="consent_kind_known"
            ),
            models.CheckConstraint(condition=~Q(signed_name=""), name="consent_has_signed_name"),
            models.CheckConstraint(
                condition=Q(countersigned_at__isnull=True, countersigned_by__isnull=True)
                | Q(countersigned_at__isnull=False, countersigned_by__isnull=False),
                name="consent_countersigned_by_and_when",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True, revocation_reason="")
                | (
                    Q(revoked_at__isnull=False, revoked_by__isnull=False) & ~Q(revocation_reason="")
                ),
                name="consent_revoked_with_reason",
            ),
        ]

    def __str__(self):
        return f"{self.title} (v{self.template.version if self.template_id else '?'})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= self.MUTABLE_FIELDS:
                stored = type(self).objects.filter(pk=self.pk).values().first()
                changed = [
                    field.attname
                    for field in self._meta.concrete_fields
                    if field.name not in self.MUTABLE_FIELDS
                    and stored is not None
                    and _differs(stored[field.attname], getattr(self, field.attname))
                ]
                if changed:
                    raise ConsentImmutable(
                        "A signed consent never changes (" + ", ".join(changed) + "); revoke it "
                        "and have the patient sign again."
                    )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ConsentImmutable("A signed consent is never deleted; revoke it with a reason.")

    @staticmethod
    def compute_hash(
        *, rendered_text: str, signed_name: str, signature_png: bytes, signed_at: datetime.datetime
    ) -> str:
        """SHA-256, in hex, of exactly these bytes, in this order, separated by one NUL byte
        each: the rendered text (UTF-8), the typed name (UTF-8), the signing moment as ISO 8601
        in UTC with microseconds (`2026-11-30T17:04:05.123456+00:00`), and the signature PNG."""
        moment = signed_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
        digest = hashlib.sha256()
        for part in (rendered_text.encode(), signed_name.encode(), moment.encode()):
            digest.update(part)
            digest.update(b"\x00")
        digest.update(bytes(signature_png))
        return digest.hexdigest()

    def recomputed_hash(self) -> str:
        return self.compute_hash(
            rendered_text=self.rendered_text,
            signed_name=self.signed_name,
            signature_png=bytes(self.signature_png),
            signed_at=self.signed_at,
        )

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def _differs(stored, current) -> bool:
    if isinstance(stored, memoryview | bytearray):
        stored = bytes(stored)
    if isinstance(current, memoryview | bytearray):
        current = bytes(current)
    return stored != current
