"""Loss notices: one per recipient when stock is lost, stolen or found missing."""

from decimal import Decimal

from django.db import models

from backend.roles import actor_for
from controlled.models._common import LEDGER_ROLES
from controlled.models.entries import LedgerEntry


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
