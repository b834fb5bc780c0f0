"""Writes to the controlled-substance ledger (see ledger.py and counts.py)."""

from controlled.services.counts import count_record, count_resolve, inventory_take
from controlled.services.ledger import (
    active_administration,
    administration_problems,
    administration_record,
    entry_record,
    entry_reverse,
    lot_receive,
    product_create,
    registration_set,
)
from controlled.services.notices import loss_notice_acknowledge

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
