"""The calendar's rules around a booking: conflicts with other sessions, the row locks
that serialise bookings of one resource, and the guarded write that turns a database
exclusion violation into the same conflict."""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q

from backend.formatting import format_span
from backend.roles import CLINICIAN_ROLES
from practice.choices import SessionKind, SessionStatus
from practice.models import Patient, Room, Session, StaffMember
from scheduling.errors import (
    BookingConflict,
    CapacityReached,
    InvalidInput,
    OutsideWorkingHours,
    RoomNotSuitable,
)
from scheduling.selectors import MAX_SESSION
from scheduling.services.availability import hours_on, within_working_hours

ACTIVE = ~Q(status=SessionStatus.CANCELLED)


@dataclass(frozen=True)
class Conflict:
    """An existing session that holds a resource a booking needs."""

    resource: str  # "room" | "clinician" | "patient"
    session: Session

    def describe(self, clinic) -> str:
        """The clash in words a person can act on: what the other session is, when on the
        clinic's clock and with whom; never another patient's name (pages link the session
        for readers who may open it)."""
        s = self.session
        if self.resource == "room":
            return f"Room {s.room.name} is booked: {session_described(s, clinic)}."
        if self.resource == "clinician":
            return (
                f"{s.clinician.display_name} is booked: "
                f"{session_described(s, clinic, with_clinician=False)}."
            )
        return f"The patient already has a session: {session_described(s, clinic)}."

    def as_dict(self) -> dict:
        s = self.session
        resource_id = {"room": s.room_id, "clinician": s.clinician_id, "patient": s.patient_id}
        return {
            "resource": self.resource,
            "resource_id": resource_id[self.resource],
            "session": s.pk,
            "starts_at": s.starts_at.isoformat(),
            "ends_at": s.ends_at.isoformat(),
        }


def session_described(session: Session, clinic, *, with_clinician: bool = True) -> str:
    """How a refusal names another session: its kind, the clinic's day and times and its
    clinician ("an integration session Tue Nov 24, 1:00 PM–1:50 PM with Bob Lee, LCSW").
    Pages link it by id (`extra["sessions"]`); the id itself means nothing to a person."""
    kind = session.get_kind_display().lower()
    article = "an" if kind[:1] in "aeiou" else "a"
    text = (
        f"{article} {kind} session {format_span(session.starts_at, session.ends_at, clinic.zone)}"
    )
    if with_clinician and session.clinician_id:
        text += f" with {session.clinician.display_name}"
    return text


def _conflict_error(conflicts: list[Conflict], clinic) -> BookingConflict:
    return BookingConflict(
        " ".join(c.describe(clinic) for c in conflicts),
        extra={
            "conflicts": [c.as_dict() for c in conflicts],
            "sessions": list(dict.fromkeys(c.session.pk for c in conflicts)),
        },
    )


def overlapping(starts_at: dt.datetime, ends_at: dt.datetime) -> Q:
    """Sessions overlapping [starts_at, ends_at), written as a range on indexed starts_at."""
    return Q(starts_at__lt=ends_at, starts_at__gt=starts_at - MAX_SESSION, ends_at__gt=starts_at)


def booking_conflicts(
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    clinician: StaffMember | None = None,
    room: Room | None = None,
    patients: list[Patient] = (),
    booking_key: uuid.UUID | None = None,
    exclude_ids=(),
) -> list[Conflict]:
    """Active sessions that would clash with a booking (one query).

    Sessions sharing `booking_key` are the same group booking: they share the room and the
    clinician, never the patient.
    """
    resources = Q(patient__in=[p.pk for p in patients]) if patients else Q(pk__in=[])
    if clinician is not None:
        resources |= Q(clinician=clinician)
    if room is not None:
        resources |= Q(room=room)
    rows = (
        Session.objects.filter(ACTIVE, overlapping(starts_at, ends_at), resources)
        .exclude(pk__in=list(exclude_ids))
        .select_related("room", "clinician__user")
        .order_by("starts_at", "pk")
    )
    patient_ids = {p.pk for p in patients}
    conflicts = []
    for s in rows:
        same_group = booking_key is not None and s.booking_key == booking_key
        if room is not None and s.room_id == room.pk and not same_group:
            conflicts.append(Conflict("room", s))
        if clinician is not None and s.clinician_id == clinician.pk and not same_group:
            conflicts.append(Conflict("clinician", s))
        if s.patient_id in patient_ids:
            conflicts.append(Conflict("patient", s))
    return conflicts


def lock_resources(*, room: Room | None, clinicians, patients) -> None:
    """Row locks that serialise bookings of the same resources (room → staff → patients)."""
    if room is not None:
        list(Room.objects.select_for_update().filter(pk=room.pk))
    list(
        StaffMember.objects.select_for_update()
        .filter(pk__in=sorted({c.pk for c in clinicians}))
        .order_by("pk")
    )
    list(
        Patient.objects.select_for_update()
        .filter(pk__in=sorted({p.pk for p in patients}))
        .order_by("pk")
    )


def booking_problems(
    *,
    patients: list[Patient],
    clinician: StaffMember,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    room: Room | None = None,
    booking_key: uuid.UUID | None = None,
    exclude_ids=(),
) -> list:
    """Every calendar rule a booking breaks, as DomainErrors (empty when it may go ahead).

    Used by the booking services (which raise the first) and by the booking form, which
    shows them all before saving. Clinical rules are `practice.session_create`'s.
    """
    clinic = clinician.clinic
    if ends_at <= starts_at:
        return [InvalidInput("A session must end after it starts.")]
    if ends_at - starts_at > MAX_SESSION:
        return [InvalidInput("A session cannot be longer than 12 hours.")]
    if clinician.role not in CLINICIAN_ROLES or not clinician.is_active:
        return [InvalidInput(f"{clinician.display_name} is not an active clinician.")]
    for patient in patients:
        if patient.clinic_id != clinician.clinic_id:
            return [InvalidInput("The clinician works at another clinic.")]
    if room is not None and room.clinic_id != clinician.clinic_id:
        return [InvalidInput("That room belongs to another clinic.")]

    problems: list = []
    if kind == SessionKind.DOSING:
        if room is None:
            problems.append(RoomNotSuitable("A dosing session needs a dosing-capable room."))
        elif not room.dosing_capable:
            problems.append(
                RoomNotSuitable(
                    f"Room {room.name} is not dosing-capable (no monitoring equipment and "
                    "recliner); choose a dosing room."
                )
            )
    if room is not None and not room.is_active:
        problems.append(RoomNotSuitable(f"Room {room.name} is out of use."))
    if room is not None:
        seated = 0
        if booking_key is not None:
            seated = (
                Session.objects.filter(ACTIVE, booking_key=booking_key)
                .exclude(pk__in=list(exclude_ids))
                .count()
            )
        if seated + len(patients) > room.capacity:
            problems.append(
                CapacityReached(
                    f"Room {room.name} seats {room.capacity}; this booking would need "
                    f"{seated + len(patients)}."
                )
            )
    if not within_working_hours(clinician=clinician, starts_at=starts_at, ends_at=ends_at):
        day = clinic.date_of(starts_at)
        problems.append(
            OutsideWorkingHours(
                f"{format_span(starts_at, ends_at, clinic.zone)} "
                f"is outside {clinician.display_name}'s working hours "
                f"({hours_on(clinician=clinician, day=day)})."
            )
        )
    conflicts = booking_conflicts(
        starts_at=starts_at,
        ends_at=ends_at,
        clinician=clinician,
        room=room,
        patients=patients,
        booking_key=booking_key,
        exclude_ids=exclude_ids,
    )
    if conflicts:
        problems.append(_conflict_error(conflicts, clinic))
    return problems


def raise_first(problems: list) -> None:
    if problems:
        # A double booking is the most useful thing to tell, then the other rules in order.
        conflicts = [p for p in problems if isinstance(p, BookingConflict)]
        raise (conflicts or problems)[0]


class CalendarRefused(Exception):
    """Internal: roll back a created session because a calendar rule refuses it."""


def write_guarded(write, *, clinic, conflict_kwargs):
    """Run `write` in a savepoint; an exclusion violation becomes a clean 409."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as exc:
        conflicts = booking_conflicts(**conflict_kwargs)
        if conflicts:
            raise _conflict_error(conflicts, clinic) from exc
        if "double_booked" in str(exc):
            raise BookingConflict(
                "Another booking took this slot a moment ago; search again."
            ) from exc
        raise
