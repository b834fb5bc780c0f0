"""Physical counts of a lot (and their discrepancies) and DEA inventories."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from controlled.choices import CountStatus, InventoryKind, TimeOfDay
from controlled.models._common import MG, LedgerQuerySet
from controlled.models.entries import LedgerEntry
from controlled.models.stock import Lot


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
