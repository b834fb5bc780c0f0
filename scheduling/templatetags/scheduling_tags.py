"""Data for the scheduling panels on pages other apps own (my day, portal)."""

import datetime as dt

from django import template
from django.urls import reverse

from backend.roles import ADMIN, staff_for
from scheduling import selectors
from scheduling.choices import BookingRequestStatus
from scheduling.services.availability import local_instant, wall_clock

register = template.Library()


def _feed_url(request, token):
    if token is None:
        return ""
    return request.build_absolute_uri(reverse("scheduling:feed", args=[token]))


@register.simple_tag(takes_context=True)
def my_day(context):
    """The signed-in clinician's sessions today, in clinic time, and their calendar link."""
    request = context["request"]
    staff = staff_for(request.user)
    if staff is None:
        return None
    zone = staff.clinic.zone
    today = staff.clinic.today()
    start = local_instant(today, dt.time(0), zone)
    end = local_instant(today + dt.timedelta(days=1), dt.time(0), zone)
    sessions = [
        {
            "session": s,
            "local_start": wall_clock(s.starts_at, zone),
            "local_end": wall_clock(s.ends_at, zone),
        }
        # Only what the panel shows, on every staff member's Today.
        for s in selectors.clinician_day(staff=staff, start=start, end=end).only(
            "starts_at",
            "ends_at",
            "kind",
            "status",
            "patient__legal_first_name",
            "patient__legal_last_name",
            "patient__preferred_name",
            "room__name",
        )
    ]
    return {
        "today": today,
        "sessions": sessions,
        "feed_url": _feed_url(request, selectors.live_feed_token(staff=staff)),
    }


@register.simple_tag(takes_context=True)
def my_schedule(context):
    """The signed-in patient's retreats and their calendar link (the portal lists their
    upcoming sessions itself)."""
    request = context["request"]
    patient = getattr(request.user, "patient", None)
    if patient is None:
        return None
    return {
        "enrollments": list(selectors.patient_enrollments(patient=patient)),
        "feed_url": _feed_url(request, selectors.live_feed_token(patient=patient)),
    }


@register.simple_tag
def confirmation_of(session):
    """The patient's answer through the session reminder's link, if any."""
    from scheduling.models import SessionConfirmation

    return SessionConfirmation.objects.filter(session=session).first() if session else None


@register.simple_tag(takes_context=True)
def booking_requests_waiting(context):
    """How many patients' booking requests wait for an admin (None for anyone else)."""
    staff = staff_for(context["request"].user)
    if staff is None or staff.role != ADMIN:
        return None
    return (
        selectors.booking_request_list(user=context["request"].user)
        .filter(status=BookingRequestStatus.REQUESTED)
        .count()
    )
