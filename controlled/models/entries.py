"""The ledger itself: one append-only line per movement of stock in or out of a lot."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from controlled.choices import EntryKind
from controlled.errors import LedgerIsAppendOnly
from controlled.models._common import MG, AppendOnlyQuerySet
from controlled.models.stock import Lot


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
