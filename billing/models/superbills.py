"""Superbills (immutable once issued), their per-clinic numbering and their lines, and bulk
issue runs."""

from django.db import models
from django.db.models import F, Q

from billing.choices import BulkRunStatus, SuperbillStatus
from billing.errors import SuperbillImmutable
from billing.models.catalogue import MONEY
from billing.models.charges import Charge
from practice.querysets import ClinicScopedQuerySet, PatientScopedQuerySet


class SuperbillCounter(models.Model):
    """The last superbill number a clinic issued in a year. Allocating a number locks this
    row (SELECT … FOR UPDATE) in the issuing transaction, so numbers are gapless: a failed
    issue rolls its number back with it, and two issuers never get the same number."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    objects = ClinicScopedQuerySet.scoped()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "year"], name="superbill_counter_once"),
        ]

    def __str__(self):
        return f"{self.clinic_id}/{self.year}: {self.last_number}"


class SuperbillQuerySet(PatientScopedQuerySet):
    """Issued superbills are immutable: bulk updates may touch only the void fields, and
    nothing deletes them."""

    def update(self, **kwargs):
        touched = set(kwargs) - Superbill.VOID_FIELDS
        if touched:
            raise SuperbillImmutable(
                "An issued superbill never changes; void it and issue a correction."
            )
        return super().update(**kwargs)

    def delete(self):
        raise SuperbillImmutable("Superbills are never deleted; void it instead.")


class Superbill(models.Model):
    """An itemised statement a patient submits for out-of-network reimbursement.

    Numbered `SB-<year>-<6 digits>`, gapless per clinic and year, never reused. Immutable
    once issued; voiding (with a reason) is the only change, and a correction is a new
    superbill that `replaces` the void one.
    """

    VOID_FIELDS = frozenset({"status", "voided_at", "voided_by", "void_reason"})

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.PROTECT, related_name="superbills"
    )
    number = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(
        max_length=8, choices=SuperbillStatus.choices, default=SuperbillStatus.ISSUED
    )
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pdf = models.FileField(upload_to="superbills/%Y/", max_length=200)
    pdf_sha256 = models.CharField(max_length=64)
    total_charged = models.DecimalField(**MONEY)
    total_paid = models.DecimalField(**MONEY)
    balance = models.DecimalField(**MONEY)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=200, blank=True)

    objects = SuperbillQuerySet.scoped()

    class Meta:
        ordering = ["-issued_at", "-id"]
        # The lists' ordering, per clinic (staff) and per patient (the portal).
        indexes = [
            models.Index(fields=["clinic", "-issued_at", "-id"], name="superbill_clinic_issued"),
            models.Index(fields=["patient", "-issued_at", "-id"], name="superbill_patient_issued"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "number"], name="superbill_number_once"),
            models.UniqueConstraint(
                fields=["clinic", "year", "sequence"], name="superbill_sequence_once"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="superbill_period_in_order"
            ),
            models.CheckConstraint(
                condition=Q(status=SuperbillStatus.ISSUED, voided_at__isnull=True)
                | Q(status=SuperbillStatus.VOID, voided_at__isnull=False),
                name="superbill_void_has_date",
            ),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values().first()
            if stored is not None:
                changed = {
                    field.attname
                    for field in self._meta.concrete_fields
                    # A FieldFile compares equal to its stored name.
                    if getattr(self, field.attname) != stored[field.attname]
                }
                if changed - self.VOID_FIELDS - {"voided_by_id"}:
                    raise SuperbillImmutable(
                        f"Superbill {self.number} is issued and never changes "
                        f"({', '.join(sorted(changed))}); void it and issue a correction."
                    )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SuperbillImmutable("Superbills are never deleted; void it instead.")

    @property
    def is_issued(self) -> bool:
        return self.status == SuperbillStatus.ISSUED

    @property
    def is_void(self) -> bool:
        return self.status == SuperbillStatus.VOID


class SuperbillLine(models.Model):
    """A charge printed on a superbill. A charge is on at most one live superbill."""

    superbill = models.ForeignKey(Superbill, on_delete=models.PROTECT, related_name="lines")
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="superbill_lines")
    position = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=True)

    objects = PatientScopedQuerySet.scoped(
        patient_path="superbill__patient", clinic_path="superbill__clinic"
    )

    class Meta:
        ordering = ["superbill", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["charge"], condition=Q(is_active=True), name="charge_on_one_live_superbill"
            ),
            models.UniqueConstraint(fields=["superbill", "position"], name="superbill_line_once"),
        ]

    def __str__(self):
        return f"line {self.position} of superbill {self.superbill_id}"


class BulkIssueRun(models.Model):
    """A month-end run issuing superbills for every patient with paid charges in the month.

    One `BulkIssueItem` per patient records the outcome, so a worker that dies mid-run is
    resumed by running the task again: finished patients are skipped."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="First day of the month billed.")
    status = models.CharField(
        max_length=8, choices=BulkRunStatus.choices, default=BulkRunStatus.RUNNING
    )
    started_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # How many patients the run has to look at: set when the worker starts, so the page can
    # say "n of N" (n is the run's items). Empty until then.
    total = models.PositiveIntegerField(null=True, blank=True, editable=False)

    objects = ClinicScopedQuerySet.scoped()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Superbills for {self.month:%B %Y}"

    @property
    def is_done(self) -> bool:
        return self.status == BulkRunStatus.DONE


class BulkIssueItem(models.Model):
    """What a bulk run did for one patient: issued a superbill, or why it could not."""

    run = models.ForeignKey(BulkIssueRun, on_delete=models.CASCADE, related_name="items")
    patient = models.ForeignKey("practice.Patient", on_delete=models.PROTECT, related_name="+")
    superbill = models.ForeignKey(
        Superbill, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=16)  # a BulkItemOutcome
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(clinic_path="run__clinic")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "patient"], name="bulk_item_once"),
        ]

    def __str__(self):
        return f"{self.outcome}: patient {self.patient_id}"
