"""What the ledger's models share: who may see the ledger, the milligram field, and the
clinic-scoped (and append-only) querysets."""

from decimal import Decimal

from backend.roles import ADMIN, MEDICAL, actor_for
from controlled.errors import LedgerIsAppendOnly
from practice.querysets import ClinicScopedQuerySet

LEDGER_ROLES = frozenset({ADMIN, MEDICAL})
MG = {"max_digits": 12, "decimal_places": 2}
# The most milligrams a ledger amount (an entry, a balance, a container's content) can hold:
# what `MG` stores. A product or a receipt beyond it is refused before anything is saved.
MG_MAX = Decimal("9999999999.99")


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
