"""The controlled-substance ledger (21 CFR 1304): what came in, what went out, and counts.

Stock is tracked per lot. The balance of a lot is the sum of its ledger entries, never a
field anyone can edit; each entry also carries the running balance after it
(`balance_after_mg`), computed under a lock on the lot row, which the database keeps at zero
or above. Entries are append-only: a mistake is corrected by a reversing entry that points
at it. Only a clinic's admins and medical staff see any of it.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from backend.roles import ADMIN, MEDICAL, actor_for
from controlled.choices import (
    ROUTES_FOR_FORM,
    CountStatus,
    EntryKind,
    InventoryKind,
    ProductForm,
    Schedule,
    TimeOfDay,
)
from controlled.errors import LedgerIsAppendOnly
from controlled.validators import validate_dea_number
from practice.esketamine import DEVICE_MG
from practice.querysets import ClinicScopedQuerySet

LEDGER_ROLES = frozenset({ADMIN, MEDICAL})
MG = {"max_digits": 12, "decimal_places": 2}


class LedgerQuerySet(ClinicScopedQuerySet):
    """Clinic-wide records that only admins and medical staff may see (others: nothing)."""

    def visible_to(self, user):
        actor = actor_for(user)
        if actor is None or actor.role not in LEDGER_ROLES:
            return self.none()
        return self.for_clinic(actor.clinic_id)


class AppendOnlyQuerySet(LedgerQuerySet):
    """Bulk update and delete are refused: ledger lines are never changed."""

    def update(self, **kwargs):
        raise LedgerIsAppendOnly("Ledger entries are never changed; record a reversing entry.")

    def delete(self):
        raise LedgerIsAppendOnly("Ledger entries are never deleted; record a reversing entry.")


class Registration(models.Model):
    """The clinic's DEA registration: printed on every ledger report and inventory."""

    clinic = models.OneToOneField(
        "practice.Clinic", on_delete=models.PROTECT, related_name="dea_registration"
    )
    registrant_name = models.CharField(max_length=200)
    dea_number = models.CharField(
        "DEA registration number", max_length=9, validators=[validate_dea_number]
    )
    schedules = models.CharField(max_length=40, default="2, 2N, 3, 3N, 4, 5")
    expires_on = models.DateField(null=True, blank=True)

    objects = LedgerQuerySet.as_manager()

    def __str__(self):
        return f"{self.registrant_name} ({self.dea_number})"


class Product(models.Model):
    """A controlled-substance product the clinic stocks, in its commercial container.

    `strength_mg` is per mL for a vial, per troche for a troche and per device for the
    esketamine nasal spray; `units_per_container` is the mL in a vial, the troches in a
    bottle or the devices in a kit. 50 mg/mL × 10 mL vial: strength 50, 10 units per
    container, 500 mg per container; esketamine 56 mg kit: strength 28, 2 devices.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    substance = models.CharField(max_length=100, default="Ketamine hydrochloride")
    name = models.CharField(
        max_length=150, help_text='How staff recognise it, e.g. "Ketamine 50 mg/mL, 10 mL vial".'
    )
    form = models.CharField(max_length=8, choices=ProductForm.choices)
    strength_mg = models.DecimalField(
        "strength (mg per mL or per unit)",
        max_digits=8,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    units_per_container = models.DecimalField(
        "mL or units per container",
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    schedule = models.CharField(
        "DEA schedule", max_length=4, choices=Schedule.choices, default=Schedule.III
    )
    ndc = models.CharField("NDC", max_length=13, blank=True)
    is_active = models.BooleanField(default=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["substance", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="controlled_product_name_once"),
            models.CheckConstraint(
                condition=Q(strength_mg__gt=0) & Q(units_per_container__gt=0),
                name="controlled_product_positive_strength",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        """An esketamine nasal spray device is esketamine at the label's one strength
        (28 mg per device), and esketamine comes in no other form here."""
        errors = {}
        is_esketamine = "esketamine" in (self.substance or "").lower()
        if self.form == ProductForm.DEVICE:
            if not is_esketamine:
                errors["substance"] = "A nasal spray device here is esketamine's (SPRAVATO)."
            if isinstance(self.strength_mg, Decimal | int) and self.strength_mg != DEVICE_MG:
                errors["strength_mg"] = (
                    f"An esketamine nasal spray device holds {DEVICE_MG} mg (the label's only "
                    "strength)."
                )
        elif is_esketamine:
            errors["form"] = "Esketamine is stocked as its nasal spray device."
        if errors:
            raise ValidationError(errors)

    @property
    def unit_label(self) -> str:
        return {
            ProductForm.VIAL: "mL",
            ProductForm.TROCHE: "troche",
            ProductForm.DEVICE: "device",
        }.get(self.form, "unit")

    @property
    def strength_display(self) -> str:
        per = "mL" if self.form == ProductForm.VIAL else self.unit_label
        return f"{self.strength_mg.normalize():f} mg/{per}"

    @property
    def container_display(self) -> str:
        units = f"{self.units_per_container.normalize():f}"
        if self.form == ProductForm.VIAL:
            return f"{units} mL vial"
        if self.form == ProductForm.DEVICE:
            return f"kit of {units} devices"
        return f"{units} {self.unit_label}s per container"

    def suits_route(self, route: str) -> bool:
        """Whether this formulation is given by `route` (a `practice.choices.Route`)."""
        return route in ROUTES_FOR_FORM.get(self.form, frozenset())

    @property
    def mg_per_container(self) -> Decimal:
        return self.strength_mg * self.units_per_container

    def units_for(self, mg: Decimal) -> Decimal:
        return (Decimal(mg) / self.strength_mg).quantize(Decimal("0.01"))

    def containers_for(self, mg: Decimal) -> Decimal:
        return (Decimal(mg) / self.mg_per_container).quantize(Decimal("0.01"))


class Lot(models.Model):
    """One manufacturer's lot of a product as received from one supplier."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=40)
    expires_on = models.DateField()
    supplier_name = models.CharField(max_length=200)
    supplier_address = models.TextField()
    supplier_dea_number = models.CharField(
        "supplier DEA number", max_length=9, validators=[validate_dea_number]
    )
    containers_received = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["expires_on", "lot_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "product", "lot_number"], name="controlled_lot_once"
            ),
            models.CheckConstraint(
                condition=Q(containers_received__gte=1), name="controlled_lot_received_something"
            ),
        ]

    def __str__(self):
        return f"{self.product} · lot {self.lot_number}"

    def is_expired(self, on: datetime.date | None = None) -> bool:
        """A lot may be used through its expiry date and not after."""
        return (on or self.clinic.today()) > self.expires_on


class LedgerEntry(models.Model):
    """One movement of stock in or out of a lot. Never edited, never deleted.

    `quantity_mg` is signed (in > 0, out < 0) and `balance_after_mg` is the lot's balance
    after this entry; `seq` numbers a lot's entries 1, 2, 3… so two writers can never both
    append the same line. A reversal points at the entry it corrects (`reverses`) and
    carries the opposite quantity.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="entries")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    quantity_mg = models.DecimalField(**MG)
    balance_after_mg = models.DecimalField(**MG)
    occurred_at = models.DateTimeField(help_text="When it happened (not when it was typed).")
    staff = models.ForeignKey(
        "practice.StaffMember",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who received, administered, wasted, destroyed… (the responsible person).",
    )
    witness = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    second_witness = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dosing_record = models.ForeignKey(
        "practice.DosingRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    patient = models.ForeignKey(
        "practice.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    invoice_number = models.CharField(max_length=60, blank=True)
    drawn_mg = models.DecimalField(
        "drawn for the dose (mg)",
        null=True,
        blank=True,
        help_text=(
            "What was drawn for a dose: on its administration, or stated by the first waste "
            "of its remainder when the administration did not record it."
        ),
        **MG,
    )
    reason = models.TextField(
        blank=True, help_text="Reason, circumstances of a loss, or explanation of a correction."
    )
    method = models.CharField("method of destruction", max_length=200, blank=True)
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_address = models.TextField(blank=True)
    counterparty_dea_number = models.CharField(max_length=9, blank=True)
    reference = models.CharField(
        max_length=60, blank=True, help_text="DEA form or report number (222, 41, 106)."
    )
    recorded_by = models.ForeignKey(
        "practice.StaffMember", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["lot", "seq"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["clinic", "occurred_at"]),
            models.Index(fields=["clinic", "kind", "occurred_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["lot", "seq"], name="controlled_entry_seq_once"),
            models.CheckConstraint(
                condition=Q(balance_after_mg__gte=0), name="controlled_balance_never_negative"
            ),
            models.CheckConstraint(
                condition=~Q(quantity_mg=0), name="controlled_entry_moves_something"
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.RECEIPT) | Q(quantity_mg__gt=0),
                name="controlled_receipt_adds",
            ),
            models.CheckConstraint(
                condition=~Q(
                    kind__in=[
                        EntryKind.ADMINISTRATION,
                        EntryKind.WASTE,
                        EntryKind.LOSS,
                        EntryKind.THEFT,
                        EntryKind.RETURN,
                        EntryKind.TRANSFER,
                        EntryKind.DESTRUCTION,
                    ]
                )
                | Q(quantity_mg__lt=0),
                name="controlled_outgoing_removes",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.ADMINISTRATION)
                | (Q(dosing_record__isnull=False) & Q(patient__isnull=False)),
                name="controlled_administration_has_dose",
            ),
            # Everything but a receipt or an administration has a witness (the services also
            # check the witness's password; the database keeps the name from going missing).
            models.CheckConstraint(
                condition=Q(kind__in=[EntryKind.RECEIPT, EntryKind.ADMINISTRATION])
                | Q(witness__isnull=False),
                name="controlled_witnessed_unless_received_or_given",
            ),
            models.CheckConstraint(
                condition=Q(drawn_mg__isnull=True)
                | (
                    Q(dosing_record__isnull=False, drawn_mg__gt=0)
                    & (
                        Q(kind=EntryKind.WASTE)
                        | Q(kind=EntryKind.ADMINISTRATION, drawn_mg__gte=F("quantity_mg") * -1)
                    )
                ),
                name="controlled_draw_covers_the_dose",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.DESTRUCTION)
                | (Q(witness__isnull=False) & Q(second_witness__isnull=False)),
                name="controlled_destruction_two_witnesses",
            ),
            models.CheckConstraint(
                condition=Q(witness__isnull=True) | ~Q(witness=F("staff")),
                name="controlled_witness_not_self",
            ),
            models.CheckConstraint(
                condition=Q(second_witness__isnull=True)
                | (~Q(second_witness=F("staff")) & ~Q(second_witness=F("witness"))),
                name="controlled_second_witness_distinct",
            ),
            models.CheckConstraint(
                condition=Q(kind=EntryKind.REVERSAL, reverses__isnull=False)
                | (~Q(kind=EntryKind.REVERSAL) & Q(reverses__isnull=True)),
                name="controlled_reversal_points_at_entry",
            ),
        ]

    def __str__(self):
        return f"#{self.seq} {self.get_kind_display()} {self.quantity_mg} mg · {self.lot}"

    def save(self, *args, **kwargs):
        # The first line of defence; PostgreSQL also refuses UPDATE/DELETE with a trigger
        # (migration 0002).
        if not self._state.adding:
            raise LedgerIsAppendOnly(
                f"Ledger entry #{self.seq} cannot be changed; record a reversing entry."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly(
            f"Ledger entry #{self.seq} cannot be deleted; record a reversing entry."
        )

    @property
    def units(self) -> Decimal:
        return self.lot.product.units_for(self.quantity_mg)

    @property
    def balance_after_units(self) -> Decimal:
        return self.lot.product.units_for(self.balance_after_mg)


class LossNoticeQuerySet(models.QuerySet):
    """Each person sees only the notices addressed to them (admins and medical staff)."""

    def visible_to(self, user):
        actor = actor_for(user)
        if actor is None or actor.role not in LEDGER_ROLES:
            return self.none()
        return self.filter(clinic_id=actor.clinic_id, recipient_id=actor.staff_id)

    def open(self):
        return self.filter(acknowledged_at__isnull=True)


class LossNotice(models.Model):
    """One staff member's alert that stock was lost, stolen or found missing.

    Written with the entry for every active admin and medical staff member of the clinic,
    emailed at once (`emailed_at` is the claim of the email task) and shown on their home
    page until they acknowledge it. It points at the entry and says nothing about a patient.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="loss_notices")
    recipient = models.ForeignKey(
        "practice.StaffMember", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    objects = LossNoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "acknowledged_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "recipient"], name="controlled_loss_notice_once"
            ),
        ]

    def __str__(self):
        return f"Loss notice for {self.recipient} · entry {self.entry_id}"

    @property
    def lost_mg(self) -> Decimal:
        """The milligrams that left the lot (the entry's quantity is signed)."""
        return -self.entry.quantity_mg


class Inventory(models.Model):
    """A DEA inventory (21 CFR 1304.11): initial, then at least every two years.

    Its lines are the physical counts taken with it, one per lot on hand.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=InventoryKind.choices)
    taken_on = models.DateField()
    time_of_day = models.CharField(max_length=8, choices=TimeOfDay.choices)
    taken_by = models.ForeignKey("practice.StaffMember", on_delete=models.PROTECT, related_name="+")
    second_counter = models.ForeignKey(
        "practice.StaffMember", on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["-taken_on", "-id"]
        verbose_name_plural = "inventories"
        constraints = [
            models.CheckConstraint(
                condition=~Q(second_counter=F("taken_by")),
                name="controlled_inventory_two_people",
            ),
            models.UniqueConstraint(
                fields=["clinic"],
                condition=Q(kind=InventoryKind.INITIAL),
                name="controlled_one_initial_inventory",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.taken_on} ({self.get_time_of_day_display()})"


class PhysicalCount(models.Model):
    """Stock counted on the shelf by two staff, against the ledger balance at that moment.

    A difference is an open discrepancy until someone explains it (and, if the ledger was
    wrong, records a witnessed adjustment); admins are alerted when it is found.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="counts")
    inventory = models.ForeignKey(
        Inventory, null=True, blank=True, on_delete=models.PROTECT, related_name="counts"
    )
    counted_at = models.DateTimeField()
    counted_units = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    counted_mg = models.DecimalField(**MG)
    ledger_balance_mg = models.DecimalField(**MG)
    counted_by = models.ForeignKey(
        "practice.StaffMember", on_delete=models.PROTECT, related_name="+"
    )
    second_counter = models.ForeignKey(
        "practice.StaffMember", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=CountStatus.choices)
    note = models.TextField(blank=True)
    explanation = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        "practice.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    adjustment = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="count"
    )
    alert_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["-counted_at", "-id"]
        indexes = [models.Index(fields=["clinic", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(second_counter=F("counted_by")), name="controlled_count_two_people"
            ),
            models.CheckConstraint(
                condition=Q(counted_mg__gte=0) & Q(counted_units__gte=0),
                name="controlled_count_not_negative",
            ),
            models.CheckConstraint(
                condition=(Q(status=CountStatus.RECONCILED) & Q(counted_mg=F("ledger_balance_mg")))
                | (
                    Q(status__in=[CountStatus.OPEN, CountStatus.EXPLAINED])
                    & ~Q(counted_mg=F("ledger_balance_mg"))
                ),
                name="controlled_count_status_matches_difference",
            ),
            models.CheckConstraint(
                condition=~Q(status=CountStatus.EXPLAINED)
                | (~Q(explanation="") & Q(resolved_by__isnull=False)),
                name="controlled_count_explained_by_someone",
            ),
        ]

    def __str__(self):
        return f"Count of {self.lot} at {self.counted_at:%Y-%m-%d %H:%M}"

    @property
    def discrepancy_mg(self) -> Decimal:
        return self.counted_mg - self.ledger_balance_mg

    @property
    def full_containers(self) -> int:
        return int(self.counted_units // self.lot.product.units_per_container)

    @property
    def open_container_units(self) -> Decimal:
        return self.counted_units % self.lot.product.units_per_container
