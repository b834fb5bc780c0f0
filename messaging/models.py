"""Every message the clinic sends a patient: the outbox, its rules, templates and the
patient's choices.

The models moved here from `scheduling`; their tables keep their old names
(`scheduling_reminder`, …) so existing databases needed no copy. Messaging builds on
`practice` only: what a message is about is free-form (`target_type`, `target_id`), and a
session message links the `practice.Session` it is about.

Secure messaging (`Thread`, `ThreadMessage`, `ThreadRead`) lives here too: a conversation
between a patient and their care team, whose notifications go through the same outbox.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from backend.crypto import EncryptedTextField
from messaging.choices import Channel, ChannelChoice, MessageKind, ReminderStatus
from messaging.errors import MessageImmutable
from practice.querysets import ClinicScopedQuerySet, PatientScopedQuerySet


class ReminderSettings(models.Model):
    """A clinic's delivery settings: the quiet hours (clinic time) no message leaves in.
    A clinic without a row uses the field defaults.

    (The cancellation window is a booking rule: `scheduling.SchedulingPolicy`. The fasting
    time messages announce is the one the dosing gate checks: `practice.ClinicalSettings`.)
    """

    clinic = models.OneToOneField(
        "practice.Clinic", on_delete=models.CASCADE, related_name="reminder_settings"
    )
    quiet_hours_start = models.TimeField(
        default=datetime.time(21, 0), help_text="No message leaves after this time (clinic time)."
    )
    quiet_hours_end = models.TimeField(
        default=datetime.time(8, 0), help_text="…nor before this time (clinic time)."
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        db_table = "scheduling_remindersettings"
        verbose_name_plural = "reminder settings"

    def __str__(self):
        return f"Reminder settings of {self.clinic}"


class ReminderRule(models.Model):
    """When a clinic sends one kind of message, overriding the built-in default
    (`messaging.services.rules.DEFAULT_RULES`)."""

    clinic = models.ForeignKey(
        "practice.Clinic", on_delete=models.CASCADE, related_name="reminder_rules"
    )
    kind = models.CharField(max_length=32, choices=MessageKind.choices)
    enabled = models.BooleanField(default=True)
    offset_minutes = models.IntegerField(
        validators=[MinValueValidator(-60 * 24 * 30), MaxValueValidator(60 * 24 * 30)],
        help_text="Minutes relative to the start: negative is before, positive after.",
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        db_table = "scheduling_reminderrule"
        ordering = ["clinic", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "kind"], name="reminder_rule_once_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.offset_minutes:+d} min)"


class MessageTemplate(models.Model):
    """A clinic's wording of one kind of message; the built-in text applies where none exists.

    Templates see only plain strings (patient's first name, clinic, date and time, links),
    never model objects, so an edited template cannot reach clinical data."""

    clinic = models.ForeignKey(
        "practice.Clinic", on_delete=models.CASCADE, related_name="message_templates"
    )
    kind = models.CharField(max_length=32, choices=MessageKind.choices)
    email_subject = models.CharField(max_length=200)
    email_text = models.TextField(help_text="Plain-text body of the email.")
    email_html = models.TextField(blank=True, help_text="HTML body; empty sends text only.")
    sms_text = models.CharField(max_length=480, help_text="At most three SMS segments.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        db_table = "scheduling_messagetemplate"
        ordering = ["clinic", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "kind"], name="message_template_once")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} template"


class PatientMessaging(models.Model):
    """A patient's consent to text messages (with its date) and what reminders may say."""

    patient = models.OneToOneField(
        "practice.Patient", on_delete=models.CASCADE, related_name="messaging"
    )
    sms_consent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the patient agreed to text messages; empty = no."
    )
    quiet_hours_start = models.TimeField(
        null=True, blank=True, help_text="The patient's own quiet hours; empty = the clinic's."
    )
    quiet_hours_end = models.TimeField(null=True, blank=True)
    share_session_type = models.BooleanField(
        default=False,
        help_text="The patient agreed that reminders name the kind of session "
        "(e.g. 'dosing session') instead of 'appointment'.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        db_table = "scheduling_patientmessaging"

    def __str__(self):
        return f"Messaging preferences of {self.patient}"

    @property
    def sms_consent(self) -> bool:
        return self.sms_consent_at is not None


class MessagePreference(models.Model):
    """The channel a patient chose for one kind of message; "none" opts out of that kind."""

    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.CASCADE, related_name="message_preferences"
    )
    kind = models.CharField(max_length=32, choices=MessageKind.choices)
    channel = models.CharField(max_length=8, choices=ChannelChoice.choices)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        db_table = "scheduling_messagepreference"
        ordering = ["patient", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "kind"], name="message_preference_once")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.get_channel_display()}"


class Reminder(models.Model):
    """One message to one patient on one channel: a row of the outbox.

    Created by `messaging.services.outbox.message_enqueue` (session reminders, waitlist
    offers, superbills, questionnaires), claimed by the periodic sweep when due and sent by
    `messaging.tasks.reminder_send`, which moves it pending → sending → sent | failed with
    conditional updates. At most one row exists per target, kind and channel, so a message
    is sent at most once even when tasks run twice.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=32, choices=MessageKind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # What the message is about, e.g. ("session", "42"), ("superbill", "7"),
    # ("questionnaire", "plan-3:2026-W48"). Free-form so higher apps need no schema change.
    target_type = models.CharField(max_length=32)
    target_id = models.CharField(max_length=64)
    session = models.ForeignKey(
        "practice.Session",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    send_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # A claim or a send in progress holds the row until this time; after it, the sweep may
    # hand the row out again (the worker holding it is presumed dead).
    lease_until = models.DateTimeField(null=True, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    recipient = models.CharField(max_length=254, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        db_table = "scheduling_reminder"
        ordering = ["send_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "kind", "channel"],
                name="reminder_once_per_target_kind_channel",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="reminder_sent_has_sent_at",
            ),
        ]
        indexes = [
            # The sweep's claim: pending rows by due time (a small partial index).
            models.Index(
                fields=["send_at"], condition=Q(status="pending"), name="reminder_due_idx"
            ),
            # Sends whose worker died: their lease ran out.
            models.Index(
                fields=["lease_until"], condition=Q(status="sending"), name="reminder_stale_idx"
            ),
            models.Index(fields=["patient", "send_at"]),
            models.Index(fields=["clinic", "status", "send_at"]),
            # The reminder list's keyset order (newest first) within a clinic.
            models.Index(fields=["clinic", "-send_at", "-id"], name="reminder_clinic_send"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.channel} to {self.patient} ({self.status})"


class Thread(models.Model):
    """A secure conversation between a patient and their care team.

    The patient starts one to "my care team" (or a care-team member starts one with the
    patient); every care-team member may answer, clinic admins may read. A thread is flagged
    while a patient message in it matched the self-harm words (`messaging.selfharm`) and no
    staff member has cleared it since: `flagged` is the open flag the inbox sorts by,
    `flagged_at` when it was last raised, the `flag_cleared_*` fields the last clearing (each
    clearing is also in the audit log).
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.CASCADE, related_name="threads"
    )
    subject = models.CharField(max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField()
    last_message = models.ForeignKey(
        "messaging.ThreadMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    flagged = models.BooleanField(default=False)
    flagged_at = models.DateTimeField(null=True, blank=True)
    flag_cleared_at = models.DateTimeField(null=True, blank=True)
    flag_cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    flag_cleared_note = models.TextField(blank=True)
    # The newest message whose care-team email went out (a claim: the task runs once).
    staff_notified_message_id = models.BigIntegerField(default=0)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(flagged=False) | Q(flagged_at__isnull=False),
                name="thread_flag_has_time",
            ),
            models.CheckConstraint(
                condition=Q(flag_cleared_at__isnull=True)
                | (Q(flag_cleared_by__isnull=False) & ~Q(flag_cleared_note="")),
                name="thread_flag_cleared_by_someone_with_note",
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "-last_message_at"], name="thread_clinic_recent"),
            models.Index(fields=["patient", "-last_message_at"], name="thread_patient_recent"),
        ]

    def __str__(self):
        return f"Thread {self.pk}: {self.subject}"


class ThreadMessage(models.Model):
    """One message in a thread: part of the patient's record, never changed after sending.

    `author_staff` is the care-team member who wrote it, or empty for the patient. The body
    is encrypted at rest. `save()` refuses to update a sent message, and on PostgreSQL a
    trigger refuses UPDATE and DELETE (SQLite: UPDATE), as for the audit trail.
    """

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_staff = models.ForeignKey(
        "practice.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = EncryptedTextField(help_text="Encrypted at rest.")
    sent_at = models.DateTimeField()
    flagged = models.BooleanField(default=False)
    matched_terms = models.JSONField(default=list, blank=True)

    objects = PatientScopedQuerySet.scoped(
        patient_path="thread__patient", clinic_path="thread__clinic"
    )

    class Meta:
        ordering = ["sent_at", "id"]
        indexes = [models.Index(fields=["thread", "id"], name="threadmessage_thread_id")]

    def __str__(self):
        return f"Message {self.pk} in thread {self.thread_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise MessageImmutable("A sent message is part of the record and cannot be changed.")
        super().save(*args, **kwargs)

    @property
    def from_patient(self) -> bool:
        return self.author_staff_id is None


class ThreadRead(models.Model):
    """How far one reader (the patient or a staff member) has read a thread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_message = models.ForeignKey(
        ThreadMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_read_at = models.DateTimeField()

    objects = PatientScopedQuerySet.scoped(
        patient_path="thread__patient", clinic_path="thread__clinic"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="thread_read_once_per_user")
        ]

    def __str__(self):
        return f"Read state of thread {self.thread_id} for user {self.user_id}"
