"""Video rooms for telehealth sessions, behind one small provider interface.

A video session carries only an unguessable room name (`Session.video_room`); the link a
participant opens is built here on demand, from the provider named by the
`VIDEO_PROVIDER` setting, and is never stored in full, logged, or put in a calendar feed.
Pages and the API link the join route (`/sessions/<id>/join/`), which checks that the
reader takes part in the session before redirecting to the provider.
"""

import datetime as dt
import secrets
from functools import cache
from urllib.parse import quote

from django.conf import settings
from django.utils.module_loading import import_string

# How long before its start a participant may join (the portal shows the button then).
JOIN_OPENS_MINUTES = 15


def join_open(session, *, at) -> bool:
    """Whether a video session can be joined at `at`: from JOIN_OPENS_MINUTES before its
    start to its end, while it is scheduled or checked in."""
    from practice.choices import SessionStatus

    return (
        bool(session.video_room)
        and session.status in (SessionStatus.SCHEDULED, SessionStatus.CHECKED_IN)
        and session.starts_at - dt.timedelta(minutes=JOIN_OPENS_MINUTES) <= at < session.ends_at
    )


def new_room_name() -> str:
    """An unguessable room name (192 random bits)."""
    return secrets.token_urlsafe(24)


class VideoProvider:
    """What a video provider offers: the link a participant of a session opens."""

    def join_url(self, session, participant) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class JitsiProvider(VideoProvider):
    """Jitsi Meet on the clinic's server (`JITSI_BASE_URL`): the room is the session's
    secret name. A staff participant's display name is passed in the fragment; a patient's
    never is (no patient identifier in a URL), Jitsi asks them for one."""

    def __init__(self, base_url: str | None = None):
        self.base_url = (base_url or settings.JITSI_BASE_URL).rstrip("/")

    def join_url(self, session, participant) -> str:
        if not session.video_room:
            raise ValueError("The session has no video room.")
        url = f"{self.base_url}/{quote(session.video_room, safe='')}"
        name = _display_name(participant)
        if name:
            url += "#userInfo.displayName=" + quote(f'"{name}"', safe="")
        return url


def _display_name(participant) -> str:
    from practice.models import StaffMember

    if isinstance(participant, StaffMember):
        return participant.display_name
    return ""


@cache
def _provider_class(path: str):
    return import_string(path)


def video_provider() -> VideoProvider:
    """The configured provider (the `VIDEO_PROVIDER` setting)."""
    return _provider_class(settings.VIDEO_PROVIDER)()


def join_url(session, participant=None) -> str:
    """The provider's link for `participant` (a Patient or StaffMember) to join `session`."""
    return video_provider().join_url(session, participant)
