"""Billing API: charges (review and approve), packages, payments, superbills and their PDFs.

Admins of the clinic read and write; a patient reads their own approved charges, payments
and superbills (another patient's id answers 404). Clinicians have no billing access.

One module per resource (charges, packages, payments, superbills); the roles they share
are in _common.
"""

from billing.api.charges import ChargeViewSet
from billing.api.claims import ClaimViewSet, EstimateViewSet
from billing.api.packages import PackageViewSet
from billing.api.payments import PaymentViewSet
from billing.api.superbills import SuperbillViewSet

__all__ = ["register_routes"]


def register_routes(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("charges", ChargeViewSet, basename="charge")
    router.register("claims", ClaimViewSet, basename="claim")
    router.register("estimates", EstimateViewSet, basename="estimate")
    router.register("packages", PackageViewSet, basename="package")
    router.register("payments", PaymentViewSet, basename="payment")
    router.register("superbills", SuperbillViewSet, basename="superbill")
