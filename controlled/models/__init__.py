"""The controlled-substance ledger (21 CFR 1304): what came in, what went out, and counts.

Stock is tracked per lot. The balance of a lot is the sum of its ledger entries, never a
field anyone can edit; each entry also carries the running balance after it
(`balance_after_mg`), computed under a lock on the lot row, which the database keeps at zero
or above. Entries are append-only: a mistake is corrected by a reversing entry that points
at it. Only a clinic's admins and medical staff see any of it.

One module per part: stock (registration, products, lots), entries (the ledger itself),
notices (loss notices), counts (physical counts and inventories); the querysets and
constants they share are in _common. Every model keeps the app label `controlled`.
"""

from controlled.models._common import LEDGER_ROLES, MG, AppendOnlyQuerySet, LedgerQuerySet
from controlled.models.counts import Inventory, PhysicalCount
from controlled.models.entries import LedgerEntry
from controlled.models.notices import LossNotice, LossNoticeQuerySet
from controlled.models.stock import Lot, Product, Registration

__all__ = [
    "LEDGER_ROLES",
    "MG",
    "AppendOnlyQuerySet",
    "Inventory",
    "LedgerEntry",
    "LedgerQuerySet",
    "LossNotice",
    "LossNoticeQuerySet",
    "Lot",
    "PhysicalCount",
    "Product",
    "Registration",
]
