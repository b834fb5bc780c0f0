"""Request-wide behaviour that every page shares."""

import zoneinfo
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from backend.roles import actor_for


class ClinicTimeZoneMiddleware:
    """Every time a signed-in person reads is in their clinic's time zone.

    Activates the clinic's zone for the request, so templates' `|date` and `|time`, forms'
    datetime fields and DRF's datetime fields render clinic-local times, and typed-in times
    are read as clinic-local. Anonymous requests (and API token requests, authenticated
    later in the view) keep the server's UTC; their datetimes carry an explicit offset.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        actor = actor_for(getattr(request, "user", None))
        if actor is None:
            return self.get_response(request)
        with timezone.override(zoneinfo.ZoneInfo(actor.timezone)):
            return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Sends the Permissions-Policy header built from settings.PERMISSIONS_POLICY.

    Django's SecurityMiddleware has no setting for it. Each feature maps to its allow list:
    an empty list is `()`, allowed nowhere; "self" and origins are quoted as the header
    wants (`camera=(self "https://video.example")`).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    def allow(origin: str) -> str:
        return origin if origin in ("self", "*") else f'"{origin}"'

    return ", ".join(
        f"{feature}=({' '.join(allow(origin) for origin in origins)})"
        for feature, origins in policy.items()
    )


class NoStoreMiddleware:
    """No browser or proxy keeps a copy of a response that may carry PHI.

    The rule is broad on purpose, so that no new page, PDF or export can forget it: every
    response to a signed-in request, and every API, feed or file download response whoever
    asked (an API token authenticates after the middleware runs, and a feed carries its
    token in the URL), gets `Cache-Control: no-store` (plus `Pragma: no-cache` for old
    HTTP/1.0 caches). Static files are served by WhiteNoise before this runs and keep their
    long cache lifetimes.
    """

    ALWAYS_PREFIXES = ("/api/",)
    ALWAYS_TYPES = ("application/", "text/calendar", "text/csv")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self.applies(request, response):
            # max-age=0, no-cache, no-store, must-revalidate, private
            add_never_cache_headers(response)
            response.headers["Pragma"] = "no-cache"
        return response

    def applies(self, request, response) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return False
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return True
        if request.path.startswith(self.ALWAYS_PREFIXES):
            return True
        content_type = response.headers.get("Content-Type", "")
        return content_type.startswith(self.ALWAYS_TYPES)


class RejectNulMiddleware:
    """A NUL character in the query string answers 400 before any view runs.

    No search term, filter or ordering ever holds one, and PostgreSQL refuses it in any
    string, so letting it through turns a malformed request into a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in unquote_plus(query):
            return JsonResponse(
                {"code": "invalid", "detail": "The request's parameters contain a NUL character."},
                status=400,
            )
        return self.get_response(request)
