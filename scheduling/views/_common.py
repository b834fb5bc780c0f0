"""What the scheduling pages share."""

from django.urls import reverse

from backend.roles import ADMIN
from practice.models import Clinic

ADMIN_ONLY = frozenset({ADMIN})


def clinic_of(actor) -> Clinic:
    return Clinic.objects.get(pk=actor.clinic_id)


def calendar_url(when, clinic: Clinic, by="room") -> str:
    """The calendar on the clinic's day of `when`."""
    return f"{reverse('scheduling:calendar')}?date={clinic.date_of(when)}&by={by}"
