"""Who reads and who writes billing through the API."""

from backend.roles import ADMIN, PATIENT

BILLING_READERS = frozenset({ADMIN, PATIENT})
ADMINS = frozenset({ADMIN})
