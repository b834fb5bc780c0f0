"""Billing's domain errors: a rule refused the request and nothing was changed."""

from backend.errors import DomainError, InvalidInput


class BillingError(DomainError):
    code = "billing_rule"


class ChargeLocked(BillingError):
    """The charge is on an issued superbill (void the superbill first) or already void."""

    code = "charge_locked"


class AddOnWithoutEM(BillingError):
    code = "addon_without_em"


class RetreatPackageRefused(BillingError):
    """The retreat package can't be made: not enrolled, no sessions yet, or already there."""

    code = "retreat_package_refused"


class InvalidCharge(InvalidInput):
    code = "invalid_charge"


class OverAllocation(BillingError):
    code = "over_allocation"


class SuperbillIncomplete(BillingError):
    """Issuing was refused; `extra["missing"]` lists every item to fix."""

    code = "superbill_incomplete"

    def __init__(self, missing: list[str]):
        super().__init__(
            "The superbill cannot be issued until this is fixed: " + "; ".join(missing) + ".",
            extra={"missing": missing},
        )
        self.missing = missing


class SuperbillImmutable(BillingError):
    code = "superbill_immutable"


class SuperbillTampered(BillingError):
    code = "superbill_tampered"


class CardPaymentsOff(BillingError):
    """Card payments are not configured (no Stripe keys)."""

    code = "card_payments_off"


class AmountOverBalance(BillingError):
    """A card payment larger than what the patient owes."""

    code = "amount_over_balance"


class RefundRefused(BillingError):
    """A refund beyond what the payment paid, or of a payment that was not taken by card."""

    code = "refund_refused"


class CardGatewayError(BillingError):
    """Stripe could not be reached or refused the request; nothing was charged."""

    code = "card_gateway_error"


class CardDeclined(CardGatewayError):
    code = "card_declined"


class WebhookRefused(BillingError):
    """A webhook whose signature (or body) does not check out; nothing was changed."""

    code = "webhook_refused"


class EstimateRefused(BillingError):
    """A Good Faith Estimate could not be issued; `extra["missing"]` lists every reason."""

    code = "estimate_refused"

    def __init__(self, missing: list[str]):
        super().__init__(
            "The Good Faith Estimate cannot be issued: " + "; ".join(missing) + ".",
            extra={"missing": missing},
        )
        self.missing = missing


class ClaimIncomplete(BillingError):
    """The claim was refused; `extra["missing"]` lists every required element missing."""

    code = "claim_incomplete"

    def __init__(self, missing: list[str]):
        super().__init__(
            "The claim cannot be made until this is fixed: " + "; ".join(missing) + ".",
            extra={"missing": missing},
        )
        self.missing = missing


class ClaimRefused(BillingError):
    code = "claim_refused"
