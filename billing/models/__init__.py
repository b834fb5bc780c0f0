"""Service codes and fees, charges, payments, payment plans and superbills.

Money is `Decimal` with two places everywhere. An issued superbill never changes: its rows
refuse edits (see `Superbill.save` and `SuperbillQuerySet`), its PDF is stored with its
SHA-256, and a correction voids it and issues a new number.

One module per part: catalogue (service codes and fees, sliding scales, packages), charges
(charges, payments and their allocation, payment plans), superbills (superbills, their
numbering and bulk issue runs). Every model keeps the app label `billing`.
"""

from billing.models.cards import (
    Autopay,
    CardPayment,
    Refund,
    SavedCard,
    StripeCustomer,
    StripeEvent,
)
from billing.models.catalogue import MONEY, Package, ServiceCode, SlidingScale
from billing.models.charges import Charge, Instalment, Payment, PaymentAllocation, PaymentPlan
from billing.models.claims import (
    Claim,
    ClaimBatch,
    ClaimLine,
    EstimateDue,
    GoodFaithEstimate,
    Remittance,
)
from billing.models.superbills import (
    BulkIssueItem,
    BulkIssueRun,
    Superbill,
    SuperbillCounter,
    SuperbillLine,
    SuperbillQuerySet,
)

__all__ = [
    "MONEY",
    "Autopay",
    "BulkIssueItem",
    "BulkIssueRun",
    "CardPayment",
    "Charge",
    "Claim",
    "ClaimBatch",
    "ClaimLine",
    "EstimateDue",
    "GoodFaithEstimate",
    "Instalment",
    "Package",
    "Payment",
    "PaymentAllocation",
    "PaymentPlan",
    "Refund",
    "Remittance",
    "SavedCard",
    "ServiceCode",
    "SlidingScale",
    "StripeCustomer",
    "StripeEvent",
    "Superbill",
    "SuperbillCounter",
    "SuperbillLine",
    "SuperbillQuerySet",
]
