"""API serializers and viewsets of this app (thin: they call services and selectors)."""


def register_routes(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
