from django.db import models


class ChargeStatus(models.TextChoices):
    # Suggested from a completed session; an admin reviews it before it is billed.
    SUGGESTED = "suggested", "Suggested (to review)"
    APPROVED = "approved", "Approved"
    VOID = "void", "Void"


class PaymentMethod(models.TextChoices):
    CARD = "card", "Card"
    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    INSURANCE = "insurance", "Insurance (remittance)"
    OTHER = "other", "Other"


class PackageKind(models.TextChoices):
    PREPAID = "prepaid", "Prepaid package"
    RETREAT = "retreat", "Retreat package"


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class SuperbillStatus(models.TextChoices):
    ISSUED = "issued", "Issued"
    VOID = "void", "Void"


class BulkRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"


class BulkItemOutcome(models.TextChoices):
    ISSUED = "issued", "Issued"
    REFUSED = "refused", "Refused"
    NOTHING = "nothing", "Nothing to bill"


class DrugUnit(models.TextChoices):
    """The unit qualifiers of an NDC quantity on a claim line (N4 segment)."""

    ML = "ML", "mL"
    UN = "UN", "units"


class CardPaymentKind(models.TextChoices):
    PORTAL = "portal", "Paid in the portal"
    DESK = "desk", "Taken at the front desk"
    SAVED_CARD = "saved_card", "Charged to a saved card"
    AUTOPAY = "autopay", "Plan instalment (autopay)"
    SETUP = "setup", "Card saved"


class CardPaymentStatus(models.TextChoices):
    OPEN = "open", "Processing"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Refunded"
    FAILED = "failed", "Failed"


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    PAID = "paid", "Paid"
    PARTIAL = "partial", "Partly paid"
    DENIED = "denied", "Denied"
