"""Booking, rescheduling and cancelling sessions without double-booking anyone.

Every clinical rule about creating a session (who may be dosed, with which plan and
screening) belongs to `practice.services.session_create`; this module adds the calendar's
rules around it: the clinician's working hours, the room (active, dosing-capable for a dosing
session, seats for a group), and no clinician, room or patient booked twice.

How double-booking is prevented:
- every booking locks the rows of the room, the clinician and the patient (always in that
  order, so two bookings cannot deadlock) and then checks for overlapping sessions, so
  concurrent bookings of one resource are serialised and the loser gets a clean conflict;
- on PostgreSQL the exclusion constraints of migration 0003 hold even for writes that
  bypass these services; an ExclusionViolation that slips past the check is answered with
  the same 409 naming the conflicting session.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from backend.formatting import format_span
from backend.roles import CLINICIAN_ROLES
from practice import services as practice_services
from practice.choices import SessionKind, SessionStatus
from practice.models import Patient, Room, Session, StaffMember, TreatmentPlan
from scheduling.errors import (
    BookingConflict,
    CapacityReached,
    DomainError,
    InvalidInput,
    OutsideWorkingHours,
    RoomNotSuitable,
    WrongState,
)
from scheduling.models import SessionBooking, SessionSeries
from scheduling.selectors import MAX_SESSION
from scheduling.services.availability import hours_on, within_working_hours
from scheduling.services.reminders import session_reminders_sync

# The longest session we book; conflict queries look this far back so they can filter on
# an indexed `starts_at` range instead of scanning every earlier session.
ACTIVE = ~Q(status=SessionStatus.CANCELLED)
# "Leave the room as it is" (None means "no room").
KEEP = object()


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


def _lock(*, room: Room | None, clinicians, patients) -> None:
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


def _raise_first(problems: list) -> None:
    if problems:
        # A double booking is the most useful thing to tell, then the other rules in order.
        conflicts = [p for p in problems if isinstance(p, BookingConflict)]
        raise (conflicts or problems)[0]


class _CalendarRefused(Exception):
    """Internal: roll back a created session because a calendar rule refuses it."""


def _write_guarded(write, *, clinic, conflict_kwargs):
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


@transaction.atomic
def session_book(
    *,
    patient: Patient,
    clinician: StaffMember,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    room: Room | None = None,
    plan: TreatmentPlan | None = None,
    booking_key: uuid.UUID | None = None,
    booked_by: StaffMember | None = None,
    series: SessionSeries | None = None,
    series_index: int | None = None,
) -> Session:
    """Book one session (or one attendee of a group, when `booking_key` names the group).

    Locks the room, clinician and patient rows, then refuses with a DomainError — and
    changes nothing — when the clinician is not working then, the room is unsuitable or
    full, anyone involved is already booked, or practice's clinical rules refuse (dosing
    without an active plan and cleared screening). A dose booked without a plan is booked
    against the patient's running plan, if there is one. Syncs the session's reminders.
    """
    _lock(room=room, clinicians=[clinician], patients=[patient])
    if plan is None and kind == SessionKind.DOSING:
        from practice.selectors import plan_running_for

        plan = plan_running_for(patient=patient)
    if booking_key is not None:
        group = Session.objects.filter(ACTIVE, booking_key=booking_key).first()
        if group is not None and (
            group.starts_at != starts_at
            or group.ends_at != ends_at
            or group.room_id != (room.pk if room else None)
            or group.clinician_id != clinician.pk
            or group.kind != kind
        ):
            raise InvalidInput("An attendee joins a group at its own time, room and clinician.")
    problems = booking_problems(
        patients=[patient],
        clinician=clinician,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        room=room,
        booking_key=booking_key,
    )
    fields = {
        "patient": patient,
        "clinician": clinician,
        "kind": kind,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "plan": plan,
        "room": room,
    }
    if booking_key is not None:
        fields["booking_key"] = booking_key

    def write():
        # Practice's clinical rules answer first (a patient who may not be dosed is told so
        # before being told which room to pick); the savepoint is rolled back if the
        # calendar then refuses.
        created = practice_services.session_create(**fields)
        if problems:
            raise _CalendarRefused
        return created

    try:
        session = _write_guarded(
            write,
            clinic=clinician.clinic,
            conflict_kwargs={
                "starts_at": starts_at,
                "ends_at": ends_at,
                "clinician": clinician,
                "room": room,
                "patients": [patient],
                "booking_key": booking_key,
            },
        )
    except _CalendarRefused:
        _raise_first(problems)
    SessionBooking.objects.create(
        session=session, booked_by=booked_by, series=series, series_index=series_index
    )
    session_reminders_sync(session=session)
    return session


@transaction.atomic
def group_session_book(
    *,
    patients: list[Patient],
    clinician: StaffMember,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    room: Room,
    booked_by: StaffMember | None = None,
    plans: dict[int, TreatmentPlan] | None = None,
) -> list[Session]:
    """Book a group session: one room, one clinician, one Session per attendee sharing a
    booking key (each attendee keeps their own status, note and charge).

    Refuses the whole group (nothing created) when the room cannot seat everyone or any
    rule refuses any attendee.
    """
    if not patients:
        raise InvalidInput("A group session needs at least one attendee.")
    if len({p.pk for p in patients}) != len(patients):
        raise InvalidInput("A patient is listed twice in the group.")
    _lock(room=room, clinicians=[clinician], patients=patients)
    _raise_first(
        booking_problems(
            patients=patients,
            clinician=clinician,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            room=room,
        )
    )
    key = uuid.uuid4()
    plans = plans or {}
    return [
        session_book(
            patient=patient,
            clinician=clinician,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            room=room,
            plan=plans.get(patient.pk),
            booking_key=key,
            booked_by=booked_by,
        )
        for patient in patients
    ]


def _booking_of(session: Session) -> SessionBooking:
    booking, _ = SessionBooking.objects.get_or_create(session=session)
    return booking


@transaction.atomic
def session_reschedule(
    *,
    session: Session,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    room: Room | object | None = KEEP,
    clinician: StaffMember | None = None,
    by: StaffMember | None = None,
) -> Session:
    """Move a scheduled session (with its whole group, if it is one) to a new time, and
    optionally another room or clinician.

    Locks the sessions, the room, the clinician and the attendees; the same clinical rules
    (a dose moved past the screening's expiry, or to a clinician who may not lead it, is
    refused) and calendar rules as booking apply, ignoring the sessions being moved. Bumps
    the calendar SEQUENCE and syncs reminders. Raises WrongState unless the session is
    still scheduled.
    """
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if locked.status != SessionStatus.SCHEDULED:
        raise WrongState(
            f"Only a scheduled session can be moved; this one is {locked.get_status_display()}."
        )
    group = list(
        Session.objects.select_for_update(of=("self",))
        .filter(ACTIVE, booking_key=locked.booking_key)
        .select_related("patient__clinic", "plan", "room", "clinician__clinic")
        .order_by("pk")
    )
    new_room = locked.room if room is KEEP else room
    new_clinician = clinician or locked.clinician
    patients = [s.patient for s in group]
    _lock(room=new_room, clinicians=[new_clinician], patients=patients)
    for s in group:
        practice_services.session_rules_check(
            patient=s.patient,
            clinician=new_clinician,
            kind=s.kind,
            starts_at=starts_at,
            plan=s.plan,
        )
    _raise_first(
        booking_problems(
            patients=patients,
            clinician=new_clinician,
            kind=locked.kind,
            starts_at=starts_at,
            ends_at=ends_at,
            room=new_room,
            exclude_ids=[s.pk for s in group],
        )
    )

    def write():
        for s in group:
            s.starts_at, s.ends_at, s.room, s.clinician = (
                starts_at,
                ends_at,
                new_room,
                new_clinician,
            )
            s.full_clean(exclude=["booking_key"])
            s.save(update_fields=["starts_at", "ends_at", "room", "clinician", "updated_at"])

    _write_guarded(
        write,
        clinic=new_clinician.clinic,
        conflict_kwargs={
            "starts_at": starts_at,
            "ends_at": ends_at,
            "clinician": new_clinician,
            "room": new_room,
            "patients": patients,
            "booking_key": locked.booking_key,
            "exclude_ids": [s.pk for s in group],
        },
    )
    for s in group:
        booking = _booking_of(s)
        booking.sequence += 1
        booking.save(update_fields=["sequence"])
        session_reminders_sync(session=s)
    return next(s for s in group if s.pk == locked.pk)


def is_late_cancellation(*, session: Session, at: dt.datetime) -> bool:
    """Inside the clinic's cancellation window (`SchedulingPolicy`; its reminders announce it)."""
    from scheduling.selectors import scheduling_policy_for

    hours = scheduling_policy_for(session.clinic).cancellation_window_hours
    return session.starts_at - at < dt.timedelta(hours=hours)


@transaction.atomic
def session_cancel(*, session: Session, reason: str = "", by: StaffMember | None = None) -> Session:
    """Cancel one scheduled session (one attendee, for a group) and free its slot.

    A cancellation inside the clinic's window (default 24 h before the start) is recorded
    as late. Bumps the calendar SEQUENCE (feeds then show STATUS:CANCELLED) and syncs
    reminders. Raises WrongState unless the session is still scheduled.
    """
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if locked.status != SessionStatus.SCHEDULED:
        raise WrongState(
            f"Only a scheduled session can be cancelled; this one is {locked.get_status_display()}."
        )
    now = timezone.now()
    locked.status = SessionStatus.CANCELLED
    locked.cancelled_at = now
    locked.cancel_reason = reason[:200]
    locked.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    booking = _booking_of(locked)
    booking.sequence += 1
    booking.late_cancellation = is_late_cancellation(session=locked, at=now)
    booking.cancelled_by = by
    booking.save(update_fields=["sequence", "late_cancellation", "cancelled_by"])
    session_reminders_sync(session=locked)
    return locked


class _DryRun(Exception):
    """Raised to roll a trial booking back."""


def session_book_check(**kwargs) -> list:
    """Everything that would refuse `session_book(**kwargs)`, without booking anything.

    The calendar rules are listed all at once; when they pass, the booking is tried in a
    savepoint that is always rolled back, so practice's clinical rules answer too.
    """
    problems = booking_problems(
        patients=[kwargs["patient"]],
        clinician=kwargs["clinician"],
        kind=kwargs["kind"],
        starts_at=kwargs["starts_at"],
        ends_at=kwargs["ends_at"],
        room=kwargs.get("room"),
        booking_key=kwargs.get("booking_key"),
    )
    if problems:
        return problems
    try:
        with transaction.atomic():
            session_book(**kwargs)
            raise _DryRun
    except _DryRun:
        return []
    except DomainError as error:
        return [error]
