"""Request-wide behaviour that every page shares."""

import zoneinfo

from django.utils import timezone

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
