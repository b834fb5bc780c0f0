"""Charges, payments and how a payment is allocated to charges, payment plans and their
instalments."""

from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from billing.choices import ChargeStatus, DrugUnit, PaymentMethod, PlanStatus
from billing.models.catalogue import MONEY, Package, ServiceCode
from billing.validators import validate_modifiers, validate_pointer_shape, validate_service_code
from practice.querysets import PatientScopedQuerySet
from practice.validators import validate_place_of_service


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
    # The drug of a J-code line, as CMS-1500 box 24's shaded area states it: carried from the
    # lot drawn for the dose (payers pend or deny J3490 without the NDC and quantity).
    ndc = models.CharField(
        "NDC (11 digits)", max_length=11, blank=True, validators=[RegexValidator(r"^\d{11}$")]
    )
    drug_quantity = models.DecimalField(
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    drug_unit = models.CharField(max_length=2, choices=DrugUnit.choices, blank=True)
    drug_dose_mg = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
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
            # The charge list's keyset order within a clinic.
            models.Index(fields=["clinic", "date_of_service", "id"], name="charge_clinic_dos_id"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(units__gte=1), name="charge_units_positive"),
            # An NDC comes with its quantity and unit, or none of them is given.
            models.CheckConstraint(
                condition=(Q(ndc="") & Q(drug_quantity__isnull=True) & Q(drug_unit=""))
                | (~Q(ndc="") & Q(drug_quantity__gt=0) & ~Q(drug_unit="")),
                name="charge_ndc_with_quantity",
            ),
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
    def ndc_line(self) -> str:
        """The shaded-area text, e.g. 'N442023011310 ML0.7' (empty without an NDC)."""
        if not self.ndc:
            return ""
        return f"N4{self.ndc} {self.drug_unit}{self.drug_quantity.normalize():f}"

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
    # A card payment's Stripe PaymentIntent: unique, so the same money is never recorded twice.
    stripe_payment_intent = models.CharField(max_length=80, blank=True)
    # What was given back (succeeded refunds); the payment counts for amount - refunded.
    refunded = models.DecimalField(**MONEY, default=0, validators=[MinValueValidator(0)])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded__gte=0, refunded__lte=models.F("amount")),
                name="payment_refund_within_amount",
            ),
            models.UniqueConstraint(
                fields=["stripe_payment_intent"],
                condition=~Q(stripe_payment_intent=""),
                name="payment_intent_once",
            ),
        ]

    def __str__(self):
        return f"${self.amount} {self.get_method_display()} {self.received_on}"

    @property
    def net_amount(self):
        """What the payment still counts for once refunds are taken off."""
        return self.amount - self.refunded


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
