"""What the scheduling pages share."""

from django.contrib import messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from backend.formatting import format_span
from backend.roles import ADMIN, actor_for
from practice.models import Clinic, Session

ADMIN_ONLY = frozenset({ADMIN})


def clinic_of(actor) -> Clinic:
    return Clinic.objects.get(pk=actor.clinic_id)


def calendar_url(when, clinic: Clinic, by="room") -> str:
    """The calendar on the clinic's day of `when`."""
    return f"{reverse('scheduling:calendar')}?date={clinic.date_of(when)}&by={by}"


def session_links(user, error) -> list[tuple[str, str]]:
    """(url, label) for each session a refusal names (`error.extra["sessions"]`) that `user`
    may open: an admin to move or cancel it, other staff to read it. A session the reader
    may not see is left out (the refusal's words still say when it is, never who)."""
    pks = (error.extra.get("sessions") if error is not None else None) or []
    if not pks:
        return []
    actor = actor_for(user)
    page = "scheduling:session-manage" if actor.role == ADMIN else "practice:session-detail"
    zone = clinic_of(actor).zone
    sessions = (
        Session.objects.visible_to(user)
        .filter(pk__in=pks)
        .select_related("clinician__user")
        .order_by("starts_at", "pk")
    )
    return [
        (
            reverse(page, args=[s.pk]),
            f"{s.get_kind_display()} {format_span(s.starts_at, s.ends_at, zone)}",
        )
        for s in sessions
    ]


def flash_session_links(request, error) -> None:
    """Add a message linking each session a refusal names, where it can be moved or
    cancelled (nothing when it names none the reader may open)."""
    links = session_links(request.user, error)
    if links:
        messages.error(
            request,
            format_html(
                "Open to move or cancel: {}",
                format_html_join(", ", '<a href="{}">{}</a>', links),
            ),
        )
