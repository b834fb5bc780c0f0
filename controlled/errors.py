from backend.errors import DomainError, InvalidInput

__all__ = [
    "AlreadyAdministered",
    "AlreadyReversed",
    "CountAlreadyResolved",
    "DomainError",
    "InsufficientStock",
    "InvalidInput",
    "InventoryIncomplete",
    "LedgerIsAppendOnly",
    "LotExpired",
    "NoticeAlreadyAcknowledged",
    "WasteExceedsDraw",
    "WitnessRefused",
]


class InsufficientStock(DomainError):
    code = "insufficient_stock"


class LotExpired(DomainError):
    code = "lot_expired"


class WitnessRefused(DomainError):
    """The witness is missing, the same person, from elsewhere, or gave a wrong password."""

    code = "witness_refused"


class AlreadyReversed(DomainError):
    code = "already_reversed"


class LedgerIsAppendOnly(DomainError):
    code = "ledger_append_only"


class AlreadyAdministered(DomainError):
    code = "already_administered"


class CountAlreadyResolved(DomainError):
    code = "count_already_resolved"


class InventoryIncomplete(DomainError):
    code = "inventory_incomplete"


class WasteExceedsDraw(DomainError):
    """More wasted against a dose than is left of what was drawn for it."""

    code = "waste_exceeds_draw"


class NoticeAlreadyAcknowledged(DomainError):
    code = "notice_already_acknowledged"
