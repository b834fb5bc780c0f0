"""The day and week calendar as plain data: columns (rooms or clinicians) × days × events,
with each event's place on the grid. Read only; the calendar page renders what this returns.

Times are the clinic's (`clinic.zone`): a day is the clinic's day, and an event's top and
height come from its wall-clock start and length.
"""

import datetime as dt

from backend.roles import CLINICIAN_ROLES
from practice.models import Clinic, Room, StaffMember
from scheduling import selectors
from scheduling.services.availability import local_instant, wall_clock, working_intervals

DAY_START, DAY_END = 7, 21  # hours shown on the day calendar
PX_PER_MIN = 1
MIN_EVENT_HEIGHT = 22  # px: a short session still shows its name


def calendar_week(*, user, clinic: Clinic, day: dt.date, by: str = "room") -> dict:
    """The seven days (Monday first) of the clinic's week holding `day`."""
    first = day - dt.timedelta(days=day.weekday())
    return _calendar(user=user, clinic=clinic, day=day, first=first, length=7, by=by)


def calendar_day(*, user, clinic: Clinic, day: dt.date, by: str = "room") -> dict:
    """One clinic day; clinician columns also show that day's working hours."""
    return _calendar(user=user, clinic=clinic, day=day, first=day, length=1, by=by)


def _calendar(*, user, clinic: Clinic, day: dt.date, first: dt.date, length: int, by: str):
    zone = clinic.zone
    days = [first + dt.timedelta(days=i) for i in range(length)]
    start = local_instant(days[0], dt.time(0), zone)
    end = local_instant(days[-1] + dt.timedelta(days=1), dt.time(0), zone)
    sessions = list(selectors.session_range(user=user, start=start, end=end))
    if by == "room":
        resources, key = _room_resources(clinic), "room_id"
        if any(s.room_id is None for s in sessions):
            # A session without a room (a call, a home visit) gets its own lane, so the
            # default view hides nothing.
            resources.append((None, "No room", ""))
    else:
        resources = _clinician_resources(clinic, start, end, with_hours=length == 1)
        key = "clinician_id"
    events = _events(sessions, key)
    return {
        "mode": "week" if length == 7 else "day",
        "by": by,
        "day": day,
        "days": days,
        "columns": [
            {
                "pk": pk,
                "name": name,
                "note": note,
                "days": [{"day": d, "events": _placed(events, pk, d, clinic)} for d in days],
            }
            for pk, name, note in resources
        ],
        "hours": [f"{h:02d}:00" for h in range(DAY_START, DAY_END)],
        "grid_height": (DAY_END - DAY_START) * 60 * PX_PER_MIN,
        "previous": (days[0] - dt.timedelta(days=len(days))).isoformat(),
        "next": (days[0] + dt.timedelta(days=len(days))).isoformat(),
        "today": clinic.today(),
        "zone": zone,
    }


def _room_resources(clinic: Clinic) -> list[tuple]:
    """(pk, name, note) of each active room; dosing rooms say so."""
    return [
        (r.pk, r.name, "dosing" if r.dosing_capable else "")
        for r in Room.objects.for_clinic(clinic.pk).filter(is_active=True)
    ]


def _clinician_resources(clinic: Clinic, start, end, *, with_hours: bool) -> list[tuple]:
    """(pk, name, note) of each active clinician; on a day, the note is their hours."""
    staff = list(
        StaffMember.objects.for_clinic(clinic.pk)
        .filter(is_active=True, role__in=CLINICIAN_ROLES)
        .select_related("user")
    )
    hours = working_intervals(
        clinic=clinic, clinician_ids=[s.pk for s in staff], start=start, end=end
    )
    return [
        (
            s.pk,
            s.display_name,
            ", ".join(f"{clinic.local(a):%H:%M}–{clinic.local(b):%H:%M}" for a, b in hours[s.pk])
            if with_hours
            else "",
        )
        for s in staff
    ]


def _events(sessions, key: str) -> list[dict]:
    """One event per booking and column: a group's attendees collapse into one block."""
    events: dict = {}
    for s in sessions:
        event = events.setdefault(
            (s.booking_key, getattr(s, key)),
            {"session": s, "patients": [], "cancelled": 0, "resource": getattr(s, key)},
        )
        if s.status == "cancelled":
            event["cancelled"] += 1
        else:
            event["patients"].append(s.patient)
    return list(events.values())


def _placed(events: list[dict], resource, day: dt.date, clinic: Clinic) -> list[dict]:
    """The column's events starting on `day`, in order, with their grid position. A booking
    whose every attendee cancelled frees its slot and is not drawn."""
    placed = []
    for e in sorted(events, key=lambda e: e["session"].starts_at):
        s = e["session"]
        local = clinic.local(s.starts_at)
        if e["resource"] != resource or local.date() != day or not e["patients"]:
            continue
        top = ((local.hour - DAY_START) * 60 + local.minute) * PX_PER_MIN
        placed.append(
            {
                **e,
                "local_start": wall_clock(s.starts_at, clinic.zone),
                "local_end": wall_clock(s.ends_at, clinic.zone),
                "top": max(top, 0),
                "height": max(s.duration_minutes * PX_PER_MIN, MIN_EVENT_HEIGHT),
            }
        )
    return placed
