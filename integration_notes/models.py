"""Therapist notes: clinic templates, progress notes with signing and addenda, patient-facing
integration summaries, and psychotherapy notes (author-only, encrypted at rest).

A signed note never changes. The services refuse, the admin is read-only, and the database
itself refuses an UPDATE or DELETE of a signed note or of an addendum (triggers installed by
migration 0002 on both PostgreSQL and SQLite).
"""

from django.db import models
from django.db.models import Q

from backend.roles import actor_for
from integration_notes.choices import NoteStatus
from integration_notes.crypto import EncryptedTextField
from practice.querysets import ClinicScopedQuerySet, PatientScopedQuerySet


class NoteTemplate(models.Model):
    """One version of a clinic's note template: an ordered list of structured fields.

    `fields` is a list of {"key", "label", "kind", "required", "help", "options"}. A version
    never changes once created; revising a template adds version n+1 with the same `key`
    and retires the old one, so every note keeps the exact fields it was written with.
    `show_alongside` lists fields of an earlier note of the same patient to show while
    writing ([{"template": "kap-preparation", "field": "intentions"}]).
    """

    clinic = models.ForeignKey(
        "practice.Clinic", on_delete=models.PROTECT, related_name="note_templates"
    )
    key = models.SlugField(max_length=60, help_text="Stable name shared by every version.")
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=255, blank=True)
    session_kinds = models.JSONField(
        default=list, blank=True, help_text="Session kinds it suits; empty means any."
    )
    fields = models.JSONField(default=list)
    show_alongside = models.JSONField(default=list, blank=True)
    is_current = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClinicScopedQuerySet.scoped()

    class Meta:
        ordering = ["position", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "key", "version"], name="note_template_version_once"
            ),
            models.UniqueConstraint(
                fields=["clinic", "key"],
                condition=Q(is_current=True),
                name="note_template_one_current_version",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="note_template_version_gte_1"),
        ]

    def __str__(self):
        return f"{self.name} (v{self.version})"

    def field(self, key: str) -> dict | None:
        return next((f for f in self.fields if f["key"] == key), None)


class Note(models.Model):
    """The progress note of one session, written by the session's clinician.

    Draft while being written (autosaved); signing stores signed_at, the signer and the
    SHA-256 of the canonical content, and the row never changes again.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("practice.Patient", on_delete=models.PROTECT, related_name="notes")
    session = models.OneToOneField(
        "practice.Session", on_delete=models.PROTECT, related_name="note"
    )
    template = models.ForeignKey(NoteTemplate, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(
        "practice.StaffMember", on_delete=models.PROTECT, related_name="notes"
    )
    content = models.JSONField(default=dict, blank=True)
    search_text = models.TextField(blank=True, editable=False)
    word_count = models.PositiveIntegerField(default=0)
    revision = models.PositiveIntegerField(
        default=0, help_text="Incremented on every save; autosave refuses a stale copy."
    )
    status = models.CharField(max_length=8, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content_hash = models.CharField("SHA-256 of the signed content", max_length=64, blank=True)
    # Right of access (45 CFR 164.524): a signed note is the patient's to read unless a
    # clinician withholds it under one of the rule's exceptions, with the reason. Only
    # these four columns of a signed note may change (the database guard allows them).
    withheld = models.BooleanField(
        default=False, help_text="Withheld from the patient under a 164.524 exception."
    )
    withheld_reason = models.TextField(blank=True)
    withheld_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withheld_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["author", "status"]),
            models.Index(fields=["patient", "created_at"]),
            # The note list's keyset order within a clinic.
            models.Index(fields=["clinic", "-created_at", "-id"], name="note_clinic_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        status=NoteStatus.DRAFT,
                        signed_at__isnull=True,
                        signed_by__isnull=True,
                        content_hash="",
                    )
                    | (
                        Q(
                            status=NoteStatus.SIGNED,
                            signed_at__isnull=False,
                            signed_by__isnull=False,
                        )
                        & ~Q(content_hash="")
                    )
                ),
                name="note_signed_fields_match_status",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        withheld=False,
                        withheld_reason="",
                        withheld_by__isnull=True,
                        withheld_at__isnull=True,
                    )
                    | (
                        Q(
                            withheld=True,
                            status=NoteStatus.SIGNED,
                            withheld_by__isnull=False,
                            withheld_at__isnull=False,
                        )
                        & ~Q(withheld_reason="")
                    )
                ),
                name="note_withheld_is_signed_with_reason",
            ),
        ]

    def __str__(self):
        return f"{self.template.name} – {self.session}"

    @property
    def is_signed(self) -> bool:
        return self.status == NoteStatus.SIGNED


class Addendum(models.Model):
    """A signed, timestamped correction or addition to a signed note. Never changes."""

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey("practice.StaffMember", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    signed_at = models.DateTimeField()
    content_hash = models.CharField("SHA-256 of the text", max_length=64)

    objects = PatientScopedQuerySet.scoped(patient_path="note__patient", clinic_path="note__clinic")

    class Meta:
        ordering = ["signed_at", "id"]
        verbose_name_plural = "addenda"
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="addendum_text_not_empty"),
        ]

    def __str__(self):
        return f"Addendum {self.signed_at:%Y-%m-%d %H:%M} to {self.note_id}"


class IntegrationSummary(models.Model):
    """What the patient takes home from an integration session, in plain words.

    Shown in the patient's portal once shared; the clinical note stays clinical.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.PROTECT, related_name="integration_summaries"
    )
    session = models.OneToOneField(
        "practice.Session", on_delete=models.PROTECT, related_name="integration_summary"
    )
    author = models.ForeignKey("practice.StaffMember", on_delete=models.PROTECT, related_name="+")
    practices = models.TextField(
        "integration practices", help_text="What the patient agreed to practise until next time."
    )
    reminders = models.TextField(
        "insights to remember", blank=True, help_text="In the patient's own words where possible."
    )
    shared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-session__starts_at", "-id"]
        verbose_name_plural = "integration summaries"

    def __str__(self):
        return f"Summary – {self.session}"


class AuthorOnlyQuerySet(PatientScopedQuerySet):
    """Psychotherapy notes: only their author, and only while they can see the patient.

    Not the clinic admin, not another therapist, not the patient: HIPAA keeps these apart
    from the record.
    """

    def visible_to(self, user):

        actor = actor_for(user)
        if actor is None or not actor.is_clinician:
            return self.none()
        return super().visible_to(user).filter(author_id=actor.staff_id)


class PsychotherapyNote(models.Model):
    """A therapist's private process notes (HIPAA psychotherapy notes), encrypted at rest.

    Never part of the record, an export, a superbill or the portal.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("practice.Patient", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        "practice.Session", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey("practice.StaffMember", on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(help_text="Encrypted at rest; only the author can read it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuthorOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["author", "patient"])]

    def __str__(self):
        return f"Psychotherapy note {self.pk}"
