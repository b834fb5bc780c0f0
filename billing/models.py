"""Service codes and fees, charges, payments, payment plans and superbills.

Money is `Decimal` with two places everywhere. An issued superbill never changes: its rows
refuse edits (see `Superbill.save` and `SuperbillQuerySet`), its PDF is stored with its
SHA-256, and a correction voids it and issues a new number.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from billing.choices import (
    BulkRunStatus,
    ChargeStatus,
    PackageKind,
    PaymentMethod,
    PlanStatus,
    SuperbillStatus,
)
from billing.errors import SuperbillImmutable
from billing.validators import validate_modifiers, validate_pointer_shape, validate_service_code
from practice.choices import SessionKind
from practice.querysets import ClinicScopedQuerySet, PatientScopedQuerySet
from practice.validators import validate_place_of_service

MONEY = {"max_digits": 10, "decimal_places": 2}


class ServiceCode(models.Model):
    """A CPT or HCPCS code a clinic bills, with its description and standard fee."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=5, validators=[validate_service_code])
    description = models.CharField(max_length=200)
    fee = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    requires_em = models.BooleanField(
        "add-on to an E/M visit",
        default=False,
        help_text="Psychotherapy add-ons (90833/90836/90838) bill only with an E/M code "
        "99212–99215 on the same day by the same provider.",
    )
    is_active = models.BooleanField(default=True)

    objects = ClinicScopedQuerySet.scoped()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="service_code_once_per_clinic"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="service_code_fee_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} {self.description}"


class SlidingScale(models.Model):
    """A patient's sliding-scale discount, applied to the standard fee of new charges."""

    patient = models.OneToOneField(
        "practice.Patient", on_delete=models.CASCADE, related_name="sliding_scale"
    )
    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Discount off the standard fee, 0–100 %.",
    )
    reason = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="sliding_scale_0_to_100"
            )
        ]

    def __str__(self):
        return f"{self.percent}% – {self.patient}"


class Package(models.Model):
    """One price for several sessions: a prepaid course (e.g. induction of 6 dosing sessions)
    or a retreat. Each covered session's charges carry a share of the price, so the
    superbill itemises the package session by session.

    A retreat package belongs to one `scheduling.Retreat` and covers exactly the sessions
    its timetable gave the patient; a prepaid package covers the patient's other sessions
    (of `session_kind`, between its dates), never a retreat's.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.PROTECT, related_name="billing_packages"
    )
    kind = models.CharField(max_length=16, choices=PackageKind.choices)
    name = models.CharField(max_length=120)
    price = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    sessions_included = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    session_kind = models.CharField(
        max_length=16,
        choices=SessionKind.choices,
        blank=True,
        help_text="Only sessions of this kind use the package (blank: any kind).",
    )
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    retreat = models.ForeignKey(
        "scheduling.Retreat",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The retreat a retreat package pays for.",
    )
    created_by = models.ForeignKey(
        "practice.StaffMember", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="package_price_not_negative"),
            models.CheckConstraint(
                condition=Q(kind=PackageKind.RETREAT, retreat__isnull=False)
                | (~Q(kind=PackageKind.RETREAT) & Q(retreat__isnull=True)),
                name="package_retreat_iff_retreat_kind",
            ),
            models.UniqueConstraint(
                fields=["patient", "retreat"],
                condition=Q(retreat__isnull=False),
                name="package_once_per_retreat",
            ),
            models.CheckConstraint(
                condition=Q(sessions_included__gte=1), name="package_has_sessions"
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="package_dates_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.sessions_included} sessions, ${self.price})"


class Charge(models.Model):
    """One service line as on a CMS-1500: date and place of service, code, modifiers, units,
    fee, rendering provider and pointers (ranks 1–12) into the patient's diagnoses."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.PROTECT, related_name="charges"
    )
    session = models.ForeignKey(
        "practice.Session", null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    service_code = models.ForeignKey(ServiceCode, on_delete=models.PROTECT, related_name="charges")
    code = models.CharField(max_length=5, validators=[validate_service_code])
    description = models.CharField(max_length=200)
    date_of_service = models.DateField()
    place_of_service = models.CharField(max_length=2, validators=[validate_place_of_service])
    modifiers = models.JSONField(default=list, blank=True, validators=[validate_modifiers])
    units = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    unit_fee = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    discount = models.DecimalField(**MONEY, default=0, validators=[MinValueValidator(0)])
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    package = models.ForeignKey(
        Package, null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    rendering_provider = models.ForeignKey(
        "practice.StaffMember", on_delete=models.PROTECT, related_name="rendered_charges"
    )
    diagnosis_pointers = models.JSONField(
        default=list, blank=True, validators=[validate_pointer_shape]
    )
    status = models.CharField(
        max_length=16, choices=ChargeStatus.choices, default=ChargeStatus.SUGGESTED
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["date_of_service", "id"]
        indexes = [
            models.Index(fields=["clinic", "status", "date_of_service"]),
            models.Index(fields=["patient", "date_of_service"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(units__gte=1), name="charge_units_positive"),
            models.CheckConstraint(
                condition=Q(amount__gte=0, discount__gte=0, unit_fee__gte=0),
                name="charge_money_not_negative",
            ),
            # A session is billed once per code (a re-run of the suggestion adds nothing).
            models.UniqueConstraint(
                fields=["session", "code"],
                condition=~Q(status=ChargeStatus.VOID),
                name="charge_code_once_per_session",
            ),
        ]

    def __str__(self):
        return f"{self.date_of_service} {self.code} ${self.amount}"

    @property
    def modifiers_display(self) -> str:
        return " ".join(self.modifiers)

    @property
    def is_approved(self) -> bool:
        return self.status == ChargeStatus.APPROVED

    @property
    def is_void(self) -> bool:
        return self.status == ChargeStatus.VOID


class Payment(models.Model):
    """Money received from (or for) a patient, allocated to charges by `PaymentAllocation`."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.PROTECT, related_name="payments"
    )
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    received_on = models.DateField()
    reference = models.CharField(
        max_length=80, blank=True, help_text="Check number, card authorisation, transfer id…"
    )
    note = models.CharField(max_length=200, blank=True)
    instalment = models.ForeignKey(
        "billing.Instalment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    recorded_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")
        ]

    def __str__(self):
        return f"${self.amount} {self.get_method_display()} {self.received_on}"


class PaymentAllocation(models.Model):
    """The part of a payment applied to one charge."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(
        patient_path="payment__patient", clinic_path="payment__clinic"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.UniqueConstraint(fields=["payment", "charge"], name="allocation_once"),
        ]

    def __str__(self):
        return f"${self.amount} of payment {self.payment_id} → charge {self.charge_id}"


class PaymentPlan(models.Model):
    """An agreement to pay a balance in scheduled instalments."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.PROTECT, related_name="payment_plans"
    )
    total = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="plan_total_positive"),
        ]

    def __str__(self):
        return f"Plan ${self.total} – {self.patient}"


class Instalment(models.Model):
    """One scheduled payment of a plan; a reminder goes out through the outbox before it
    is due (claimed once, by a conditional update of `reminder_queued_at`)."""

    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="instalments")
    sequence = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    amount = models.DecimalField(**MONEY)
    reminder_queued_at = models.DateTimeField(null=True, blank=True)

    objects = PatientScopedQuerySet.scoped(patient_path="plan__patient", clinic_path="plan__clinic")

    class Meta:
        ordering = ["plan", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "sequence"], name="instalment_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
        ]
        indexes = [models.Index(fields=["due_on"])]

    def __str__(self):
        return f"#{self.sequence} ${self.amount} due {self.due_on}"


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
