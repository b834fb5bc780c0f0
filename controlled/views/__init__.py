"""Ledger pages: stock, a lot's ledger, entries and reversals, the quick waste flow after a
dose, counts, inventories and reports. Admins and medical staff only (others: 403), other
clinics' objects 404; thin: every write is a service call.

One module per page area: stock (products, registration, lots), entries (manual entries,
reversals, waste after a dose, loss notices), counts (counts and inventories), reports;
the shared mixins and helpers are in _common."""

from controlled.views.counts import (
    CountDetailView,
    CountListView,
    CountRecordView,
    InventoryCreateView,
    InventoryDetailView,
    InventoryFileView,
    InventoryListView,
)
from controlled.views.entries import (
    EntryRecordView,
    EntryReverseView,
    NoticeAcknowledgeView,
    WasteForDoseView,
)
from controlled.views.reports import ReportsView
from controlled.views.stock import (
    LotDetailView,
    LotReceiveView,
    ProductCreateView,
    RegistrationView,
    StockView,
)

__all__ = [
    "CountDetailView",
    "CountListView",
    "CountRecordView",
    "EntryRecordView",
    "EntryReverseView",
    "InventoryCreateView",
    "InventoryDetailView",
    "InventoryFileView",
    "InventoryListView",
    "LotDetailView",
    "LotReceiveView",
    "NoticeAcknowledgeView",
    "ProductCreateView",
    "RegistrationView",
    "ReportsView",
    "StockView",
    "WasteForDoseView",
]
