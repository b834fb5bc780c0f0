"""Good Faith Estimates (No Surprises Act) and insurance claims: claims, their lines,
837P batches and imported 835 remittances."""

from django.db import models
from django.db.models import Q

from billing.choices import ClaimStatus
from billing.models.catalogue import MONEY
from billing.models.charges import Charge
from practice.querysets import ClinicScopedQuerySet, PatientScopedQuerySet


class GoodFaithEstimate(models.Model):
    """A self-pay or uninsured patient's estimate of expected charges, built from their
    treatment plan and the clinic's prices. Versioned per plan: issuing again for a changed
    plan supersedes the previous version (`superseded_by`). The PDF is stored with its
    SHA-256 and never changes.

    `items` are rows: {"code", "description", "quantity", "unit_price", "total"} (money as
    strings with two places)."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.PROTECT, related_name="good_faith_estimates"
    )
    plan = models.ForeignKey(
        "practice.TreatmentPlan", on_delete=models.PROTECT, related_name="good_faith_estimates"
    )
    version = models.PositiveSmallIntegerField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(help_text="The first day of the estimated services.")
    period_end = models.DateField()
    items = models.JSONField(default=list)
    diagnosis_codes = models.JSONField(default=list, blank=True)
    total = models.DecimalField(**MONEY)
    self_pay_requested = models.BooleanField(
        default=False, help_text="Insured, but the patient asked not to bill the insurance."
    )
    pdf = models.FileField(upload_to="estimates/%Y/", max_length=200)
    pdf_sha256 = models.CharField(max_length=64)
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="estimate_version_once"),
            models.CheckConstraint(condition=Q(total__gte=0), name="estimate_total_not_negative"),
        ]

    def __str__(self):
        return f"Good Faith Estimate v{self.version} (plan {self.plan_id})"

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None


class EstimateDue(models.Model):
    """A plan whose Good Faith Estimate is due but could not be issued automatically when a
    session was booked: what the rule needs that is missing, as sentences an admin can act
    on. Shown on Today and the billing home until an estimate is issued for the plan (issuing
    deletes the row)."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.PROTECT, related_name="estimates_due"
    )
    plan = models.OneToOneField(
        "practice.TreatmentPlan", on_delete=models.CASCADE, related_name="estimate_due"
    )
    missing = models.JSONField(default=list)
    noted_at = models.DateTimeField()

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["noted_at", "id"]

    def __str__(self):
        return f"Good Faith Estimate due (plan {self.plan_id})"


class ClaimBatch(models.Model):
    """One 837P interchange holding several claims; the file is kept as generated."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    control_number = models.PositiveIntegerField(help_text="ISA13 / GS06, unique per clinic.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    x12 = models.TextField()
    sha256 = models.CharField(max_length=64)

    objects = ClinicScopedQuerySet.scoped()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "control_number"], name="claim_batch_control_once"
            ),
        ]

    def __str__(self):
        return f"837P batch {self.control_number:09d}"


class Claim(models.Model):
    """A professional claim (CMS-1500 / 837P) for some of a patient's approved charges.

    Status moves draft → submitted → paid / partial / denied, by hand or from an 835;
    every change is appended to `history` ({"at", "status", "note", "by"}). A denied claim
    can be corrected and sent again: it goes back to draft with `is_resubmission` set, and
    its next 837P says it replaces the payer's original claim (CLM05-3 = 7)."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("practice.Patient", on_delete=models.PROTECT, related_name="claims")
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    payer_name = models.CharField(max_length=120)
    payer_id = models.CharField(max_length=80, help_text="The payer's electronic id.")
    subscriber_id = models.CharField(max_length=60)
    control_number = models.CharField(
        max_length=20, help_text="The claim's submitter identifier (CLM01), echoed in the 835."
    )
    total_charge = models.DecimalField(**MONEY)
    paid_amount = models.DecimalField(**MONEY, default=0)
    payer_claim_number = models.CharField(max_length=50, blank=True)
    is_resubmission = models.BooleanField(
        default=False, help_text="A denied claim corrected and sent again."
    )
    batch = models.ForeignKey(
        ClaimBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    history = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "control_number"], name="claim_control_once"),
            models.CheckConstraint(
                condition=Q(total_charge__gte=0, paid_amount__gte=0),
                name="claim_money_not_negative",
            ),
        ]

    def __str__(self):
        return f"Claim {self.control_number}"


class ClaimLine(models.Model):
    """A charge on a claim: one 2400 service line / box 24 line. A charge is on one claim."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    charge = models.OneToOneField(Charge, on_delete=models.PROTECT, related_name="claim_line")
    position = models.PositiveSmallIntegerField()

    objects = PatientScopedQuerySet.scoped(
        patient_path="claim__patient", clinic_path="claim__clinic"
    )

    class Meta:
        ordering = ["claim", "position"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "position"], name="claim_line_once"),
        ]

    def __str__(self):
        return f"line {self.position} of claim {self.claim_id}"


class Remittance(models.Model):
    """An imported 835 remittance advice. Its trace number (TRN02) is unique per clinic, so
    importing the same file twice posts nothing the second time."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    trace_number = models.CharField(max_length=50)
    payer_name = models.CharField(max_length=120, blank=True)
    total_paid = models.DecimalField(**MONEY)
    paid_on = models.DateField()
    raw = models.TextField()
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    adjustments = models.JSONField(default=list, blank=True)
    outcomes = models.JSONField(
        default=list,
        blank=True,
        help_text="Per claim: {claim (control number), status it took, paid, payment id}.",
    )

    objects = ClinicScopedQuerySet.scoped()

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "trace_number"], name="remittance_trace_once"
            ),
        ]

    def __str__(self):
        return f"835 {self.trace_number}"
