"""Writes to the controlled-substance ledger (see stock.py, ledger.py, counts.py and notices.py)."""

from controlled.services.counts import count_record, count_resolve, inventory_take
from controlled.services.ledger import (
    active_administration,
    administration_problems,
    administration_record,
    entry_record,
    entry_reverse,
)
from controlled.services.notices import loss_notice_acknowledge
from controlled.services.stock import lot_receive, product_create, registration_set

__all__ = [
    "active_administration",
    "administration_problems",
    "administration_record",
    "count_record",
    "count_resolve",
    "entry_record",
    "entry_reverse",
    "inventory_take",
    "loss_notice_acknowledge",
    "lot_receive",
    "product_create",
    "registration_set",
]
