"""Recurring series: booked as one action, changed from an occurrence onward.

Occurrences keep the first one's local wall-clock time, stepping by whole local days, so a
series at 10:00 stays at 10:00 across daylight-saving changes. A series is all-or-nothing
unless the caller says what to do with each conflicting occurrence: the refusal lists every
conflicting occurrence with free alternatives near it, never skipping one silently.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from practice.choices import SessionModality, SessionStatus
from practice.models import Patient, Room, Session, StaffMember, TreatmentPlan
from scheduling.errors import BookingConflict, DomainError, InvalidInput, WrongState
from scheduling.models import SessionBooking, SessionSeries
from scheduling.selectors import free_slots
from scheduling.services.booking import (
    KEEP,
    booking_problems,
    session_book,
    session_reschedule,
)


class SeriesConflicts(BookingConflict):
    """Some occurrences of a series cannot be booked as asked."""

    code = "series_conflicts"


def series_occurrences(
    *, first_starts_at: dt.datetime, interval_days: int, occurrences: int, zone
) -> list[dt.datetime]:
    """The UTC starts of a series, same local time every `interval_days` local days."""
    local = first_starts_at.astimezone(zone)
    return [
        dt.datetime.combine(
            local.date() + dt.timedelta(days=interval_days * i), local.time(), tzinfo=zone
        ).astimezone(dt.UTC)
        for i in range(occurrences)
    ]


def _alternatives(*, clinician, room, kind, starts_at, length, count=3) -> list[dict]:
    """Free slots for the same clinician (and a room of the same kind) near `starts_at`."""
    day_start = starts_at - dt.timedelta(days=2)
    slots = free_slots(
        clinic=clinician.clinic,
        start=max(day_start, starts_at - dt.timedelta(days=2)),
        end=starts_at + dt.timedelta(days=5),
        length=length,
        count=count,
        clinicians=[clinician],
        room_needed="dosing"
        if room is not None and room.dosing_capable
        else ("any" if room is not None else None),
    )
    return [
        {
            "starts_at": s.starts_at.isoformat(),
            "clinician": s.clinician.pk,
            "room": s.room.pk if s.room else None,
        }
        for s in slots
    ]


@transaction.atomic
def series_book(
    *,
    patient: Patient,
    clinician: StaffMember,
    kind: str,
    first_starts_at: dt.datetime,
    duration_minutes: int,
    interval_days: int,
    occurrences: int,
    room: Room | None = None,
    plan: TreatmentPlan | None = None,
    booked_by: StaffMember | None = None,
    skip: frozenset[int] = frozenset(),
    moves: dict[int, dt.datetime] | None = None,
    modality: str = SessionModality.IN_PERSON,
) -> SessionSeries:
    """Book every occurrence of a series in one transaction (by video when `modality` is
    video: no room, the telehealth consent, never a dose; see `session_book`).

    `skip` (occurrence indexes, from 0) and `moves` ({index: new start}) are the caller's
    explicit answers to conflicts reported earlier. Raises SeriesConflicts listing each
    occurrence still refused, its reasons and up to three free alternatives; then nothing
    is booked.
    """
    moves = moves or {}
    if modality == SessionModality.VIDEO:
        room = None
    if not (1 <= occurrences <= 104) or not (1 <= interval_days <= 366):
        raise InvalidInput("A series has 1–104 occurrences, 1–366 days apart.")
    zone = clinician.clinic.zone
    length = dt.timedelta(minutes=duration_minutes)
    starts = series_occurrences(
        first_starts_at=first_starts_at,
        interval_days=interval_days,
        occurrences=occurrences,
        zone=zone,
    )
    planned = {i: moves.get(i, start) for i, start in enumerate(starts) if i not in skip}
    refused = []
    for index, start in planned.items():
        problems = booking_problems(
            patients=[patient],
            clinician=clinician,
            kind=kind,
            starts_at=start,
            ends_at=start + length,
            room=room,
        )
        if problems:
            refused.append(
                {
                    "index": index,
                    "starts_at": start.isoformat(),
                    "problems": [p.message for p in problems],
                    "alternatives": _alternatives(
                        clinician=clinician, room=room, kind=kind, starts_at=start, length=length
                    ),
                }
            )
    if refused:
        first = refused[0]
        raise SeriesConflicts(
            f"{len(refused)} of {len(planned)} occurrences cannot be booked as asked; "
            f"first: {first['starts_at']} — {first['problems'][0]} "
            "Skip or move them and book the series again.",
            extra={"occurrences": refused},
        )
    series = SessionSeries(
        clinic_id=patient.clinic_id,
        patient=patient,
        clinician=clinician,
        room=room,
        plan=plan,
        kind=kind,
        modality=modality,
        interval_days=interval_days,
        occurrences=occurrences,
        first_starts_at=starts[0],
        duration_minutes=duration_minutes,
        created_by=booked_by,
    )
    series.full_clean()
    series.save()
    for index, start in planned.items():
        session_book(
            patient=patient,
            clinician=clinician,
            kind=kind,
            starts_at=start,
            ends_at=start + length,
            room=room,
            plan=plan,
            booked_by=booked_by,
            series=series,
            series_index=index,
            modality=modality,
        )
    return series


class _DryRun(Exception):
    """Raised to roll a trial series booking back."""


@dataclass
class SeriesCheck:
    """What `series_book` would do, found without booking anything.

    `occurrences` has one row per occurrence (index from 0, start, and whether it would be
    booked, is skipped on request, or is refused with its problems and alternatives);
    `refusal` is the message of the refusal when the series would not be booked.
    """

    occurrences: list[dict] = field(default_factory=list)
    refusal: str = ""
    refused: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refusal


def series_book_check(**kwargs) -> SeriesCheck:
    """Everything `series_book(**kwargs)` would answer, without booking anything.

    The real series booking runs inside a savepoint that is always rolled back, so every
    rule (the calendar's and practice's clinical ones) answers exactly as it would for the
    booking itself.
    """
    check = SeriesCheck()
    try:
        with transaction.atomic():
            booked = series_book(**kwargs)
            by_index = {
                b.series_index: b.session.starts_at
                for b in booked.bookings.select_related("session")
            }
            check.occurrences = [
                {"index": i, "starts_at": start.isoformat(), "outcome": "booked"}
                for i, start in sorted(by_index.items())
            ]
            raise _DryRun
    except _DryRun:
        pass
    except SeriesConflicts as error:
        check.refusal = error.message
        check.refused = error.extra["occurrences"]
        check.occurrences = [{**o, "outcome": "refused"} for o in check.refused]
    except DomainError as error:
        check.refusal = error.message
    skipped = sorted(kwargs.get("skip") or ())
    check.occurrences += [{"index": i, "outcome": "skipped"} for i in skipped]
    check.occurrences.sort(key=lambda o: o["index"])
    return check


def series_sessions_from(*, session: Session) -> list[Session]:
    """The scheduled occurrences of `session`'s series from it onward, in order."""
    booking = SessionBooking.objects.filter(session=session).select_related("series").first()
    if booking is None or booking.series is None:
        raise InvalidInput("This session is not part of a series.")
    return list(
        Session.objects.filter(
            booking__series=booking.series,
            booking__series_index__gte=booking.series_index,
            status=SessionStatus.SCHEDULED,
        )
        .select_related("room", "clinician__clinic", "patient")
        .order_by("booking__series_index")
    )


@transaction.atomic
def series_change_from(
    *,
    session: Session,
    starts_at: dt.datetime | None = None,
    duration_minutes: int | None = None,
    clinician: StaffMember | None = None,
    room: Room | object | None = KEEP,
    by: StaffMember | None = None,
) -> list[Session]:
    """Change this occurrence and every later scheduled one in the same way.

    A new start moves each occurrence by the same number of local days and to the same
    local time of day. All-or-nothing: raises SeriesConflicts listing every occurrence that
    cannot move (nothing changes).
    """
    if session.status != SessionStatus.SCHEDULED:
        raise WrongState("Only a scheduled occurrence can be changed.")
    targets = series_sessions_from(session=session)
    zone = session.clinic.zone
    pivot_local = session.starts_at.astimezone(zone)
    new_local = (starts_at or session.starts_at).astimezone(zone)
    day_shift = new_local.date() - pivot_local.date()
    refused = []
    changed = []
    for occurrence in targets:
        old_local = occurrence.starts_at.astimezone(zone)
        new_start = dt.datetime.combine(
            old_local.date() + day_shift,
            new_local.time() if starts_at else old_local.time(),
            tzinfo=zone,
        ).astimezone(dt.UTC)
        length = (
            dt.timedelta(minutes=duration_minutes)
            if duration_minutes
            else occurrence.ends_at - occurrence.starts_at
        )
        try:
            with transaction.atomic():
                changed.append(
                    session_reschedule(
                        session=occurrence,
                        starts_at=new_start,
                        ends_at=new_start + length,
                        room=room,
                        clinician=clinician,
                        by=by,
                    )
                )
        except DomainError as error:
            refused.append(
                {
                    "session": occurrence.pk,
                    "starts_at": new_start.isoformat(),
                    "problems": [error.message],
                }
            )
    if refused:
        raise SeriesConflicts(
            f"{len(refused)} of {len(targets)} occurrences cannot be changed; nothing was "
            f"changed. First: {refused[0]['problems'][0]}",
            extra={"occurrences": refused},
        )
    return changed


@transaction.atomic
def series_cancel_from(*, session: Session, reason: str = "", by=None) -> list[Session]:
    """Cancel this occurrence and every later scheduled one of its series."""
    from scheduling.services.booking import session_cancel

    return [
        session_cancel(session=s, reason=reason, by=by)
        for s in series_sessions_from(session=session)
    ]
