"""New patients: the clinic's invitation to the portal and the online intake.

What the patient enters about themself (details, contacts, insurance, medications) is saved
on `practice.Patient`; this app keeps the invitation, the intake's progress and the
patient-reported screening answers, which medical staff review. Answers never clear a
patient: only a screening recorded by a clinician does (`practice.Screening`).
"""

from django.db import models
from django.db.models import Q

from onboarding.choices import IntakeStatus, IntakeStep, ScreeningAnswer
from practice.querysets import PatientScopedQuerySet


class InvitationQuerySet(PatientScopedQuerySet):
    # An invitation is a credential the clinic holds for the patient: staff see it.
    patients_may_see = False


class Invitation(models.Model):
    """A signed, expiring, single-use link inviting a patient to set a portal password.

    Only the token's SHA-256 digest is stored; the link itself exists only in the email.
    An invitation is usable while it is neither used, nor revoked, nor expired; inviting
    the patient again revokes the earlier ones.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        "practice.StaffMember", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="invitation_used_or_revoked_not_both",
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
            ),
            models.CheckConstraint(
                name="invitation_expires_after_creation",
                condition=Q(expires_at__gt=models.F("created_at")),
            ),
        ]

    def __str__(self):
        return f"Invitation of patient #{self.patient_id}"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def state(self, now) -> str:
        """used | revoked | expired | open."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "open"


STEP_FLAGS = {
    IntakeStep.DEMOGRAPHICS: "demographics_done",
    IntakeStep.CONTACTS: "contacts_done",
    IntakeStep.INSURANCE: "insurance_done",
    IntakeStep.MEDICATIONS: "medications_done",
    IntakeStep.SCREENING: "screening_done",
}


class IntakeSubmission(models.Model):
    """A patient's intake: which steps are complete, when it was submitted and reviewed.

    One per patient, made when the clinic first invites them. Submitted → the answers are
    locked; reviewed → a medical staff member read them (it clears nobody).
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.OneToOneField(
        "practice.Patient", on_delete=models.PROTECT, related_name="intake"
    )
    status = models.CharField(
        max_length=12, choices=IntakeStatus.choices, default=IntakeStatus.NOT_STARTED
    )
    demographics_done = models.BooleanField(default=False)
    contacts_done = models.BooleanField(default=False)
    insurance_done = models.BooleanField(default=False)
    medications_done = models.BooleanField(default=False)
    screening_done = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["clinic", "status"], name="intake_clinic_status")]
        constraints = [
            models.CheckConstraint(
                name="intake_submitted_has_time",
                condition=~Q(status__in=[IntakeStatus.SUBMITTED, IntakeStatus.REVIEWED])
                | Q(submitted_at__isnull=False),
            ),
            models.CheckConstraint(
                name="intake_reviewed_has_reviewer",
                condition=~Q(status=IntakeStatus.REVIEWED)
                | (Q(reviewed_by__isnull=False) & Q(reviewed_at__isnull=False)),
            ),
        ]

    def __str__(self):
        return f"Intake of patient #{self.patient_id} ({self.get_status_display()})"

    @property
    def steps(self) -> list[tuple[str, str, bool]]:
        """(step, label, done) for each step, in order."""
        return [(step.value, step.label, getattr(self, STEP_FLAGS[step])) for step in IntakeStep]

    @property
    def steps_done(self) -> int:
        return sum(1 for _, _, done in self.steps if done)

    @property
    def steps_total(self) -> int:
        return len(IntakeStep)

    @property
    def is_complete(self) -> bool:
        return self.steps_done == self.steps_total

    @property
    def is_locked(self) -> bool:
        return self.status in (IntakeStatus.SUBMITTED, IntakeStatus.REVIEWED)


class IntakeScreeningAnswer(models.Model):
    """The patient's answer to one item of the clinic's screening checklist, in their
    words. Patient-reported: medical staff review it; it is not a screening finding."""

    submission = models.ForeignKey(
        IntakeSubmission, on_delete=models.CASCADE, related_name="answers"
    )
    contraindication = models.ForeignKey(
        "practice.Contraindication", on_delete=models.PROTECT, related_name="+"
    )
    # The question as the patient read it, kept as it was asked.
    question = models.CharField(max_length=300)
    answer = models.CharField(max_length=8, choices=ScreeningAnswer.choices)
    details = models.CharField(max_length=500, blank=True)
    answered_at = models.DateTimeField(auto_now=True)

    objects = PatientScopedQuerySet.scoped(
        patient_path="submission__patient", clinic_path="submission__clinic"
    )

    class Meta:
        ordering = ["submission", "contraindication__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "contraindication"], name="intake_answer_once_per_item"
            )
        ]

    def __str__(self):
        return f"{self.question}: {self.get_answer_display()}"

    @property
    def needs_attention(self) -> bool:
        return self.answer in (ScreeningAnswer.YES, ScreeningAnswer.NOT_SURE)
