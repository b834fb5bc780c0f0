"""Controlled-substance API under /api/v1/controlled/: products, lots and their ledger,
manual entries and reversals, counts, inventories and the reports. Admins and medical
staff only; everything scoped to their clinic; thin: every write is a service call.

One module per resource: products and lots (products), ledger entries and the
administration log (entries), counts and inventories (counts), loss notices (notices);
the shared base viewset and helpers are in _common."""

from controlled.api.counts import CountViewSet, InventoryViewSet
from controlled.api.entries import EntryViewSet
from controlled.api.notices import LossNoticeViewSet
from controlled.api.products import LotViewSet, ProductViewSet

__all__ = ["register_routes"]


def register_routes(router) -> None:
    router.register("controlled/products", ProductViewSet, basename="controlled-product")
    router.register("controlled/lots", LotViewSet, basename="controlled-lot")
    router.register("controlled/entries", EntryViewSet, basename="controlled-entry")
    router.register("controlled/counts", CountViewSet, basename="controlled-count")
    router.register("controlled/inventories", InventoryViewSet, basename="controlled-inventory")
    router.register("controlled/notices", LossNoticeViewSet, basename="controlled-notice")
