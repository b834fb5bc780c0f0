"""The generated timetable.

It is planned in full before anything is written: for each template item, every enrolled
patient needs a seat in a room of the retreat (dosing-capable for dosing) with a clinician of
the retreat's staff who is working and free. If any seat cannot be found the generation
refuses, naming the day, the time and the resource that is short, and creates nothing.
Regenerating keeps every session that still fits and only books, moves or cancels what
changed (a new enrollee, a cancelled one, a template item moved).
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from backend.roles import CLINICIAN_ROLES
from practice.choices import SessionKind, SessionStatus
from practice.models import Room, Session, StaffMember
from scheduling.choices import EnrollmentStatus
from scheduling.errors import DomainError, InvalidInput, TimetableImpossible
from scheduling.models import Enrollment, Retreat, RetreatSession, RetreatTemplateItem
from scheduling.services.availability import local_instant, working_intervals
from scheduling.services.booking import (
    ACTIVE,
    overlapping,
    session_book,
    session_cancel,
    session_described,
)
from scheduling.services.retreats.enrollment import _sync_welcome


@dataclass
class _Group:
    """Attendees sharing one room and one clinician for one template item."""

    room: Room
    clinician: StaffMember
    key: uuid.UUID | None  # None until booked
    seats: int
    existing: int = 0
    new: list = field(default_factory=list)  # enrollments to book into this group


@dataclass
class TimetableResult:
    created: int = 0
    kept: int = 0
    cancelled: int = 0
    shortages: list[str] = field(default_factory=list)


def _when(item: RetreatTemplateItem, start: dt.datetime, end: dt.datetime, clinic) -> str:
    """How a shortage names the slot: the day, the clinic's times and the item."""
    local_start, local_end = clinic.local(start), clinic.local(end)
    return (
        f"Day {item.day} ({local_start:%a %b %d}) "
        f"{local_start:%H:%M}–{local_end:%H:%M} "
        f"{item.title or item.get_kind_display()}"
    )


def _session_ids(sessions) -> list[int]:
    return list(dict.fromkeys(s.pk for s in sessions))


def retreat_slots(retreat: Retreat) -> list[tuple[RetreatTemplateItem, dt.datetime, dt.datetime]]:
    """Each template item with the instants it occupies (the clinic's wall clock)."""
    zone = retreat.clinic.zone
    slots = []
    for item in retreat.template.all():
        day = retreat.starts_on + dt.timedelta(days=item.day - 1)
        start = local_instant(day, item.start_time, zone)
        slots.append((item, start, start + dt.timedelta(minutes=item.duration_minutes)))
    return slots


def patient_clashes(*, retreat: Retreat, patient_id: int, slots=None) -> dict[int, list[Session]]:
    """The patient's own active sessions outside this retreat's timetable that overlap its
    template items: {item id: [sessions]} (items without a clash are left out)."""
    slots = retreat_slots(retreat) if slots is None else slots
    if not slots:
        return {}
    window = Q(pk__in=[])
    for _, start, end in slots:
        window |= overlapping(start, end)
    own = list(
        Session.objects.filter(ACTIVE, window, patient_id=patient_id)
        .exclude(retreat_entry__enrollment__retreat=retreat)
        .select_related("clinician__user")  # a refusal names each one's clinician
        .order_by("starts_at", "pk")
    )
    clashes = {}
    for item, start, end in slots:
        hits = [s for s in own if s.starts_at < end and s.ends_at > start]
        if hits:
            clashes[item.pk] = hits
    return clashes


def timetable_is_generated(retreat: Retreat) -> bool:
    return RetreatSession.objects.filter(enrollment__retreat=retreat).exists()


def timetable_seat(*, retreat: Retreat, enrollment: Enrollment, by=None, strict: bool) -> list:
    """Seat one newly enrolled patient in the retreat's generated timetable (nothing to do
    before it is generated): a free seat of an existing group, else a new group in a free
    room with a free clinician, exactly as a regeneration would.

    The caller holds the retreat's lock and has saved the enrollment as enrolled. With
    `strict` (an enrolment asked for by a person) any slot that cannot be seated raises
    TimetableImpossible and the caller's transaction is undone. Without it (an automatic
    promotion) the slots that cannot be seated are skipped and returned as
    [(item, start, end)]; the retreat page shows them as gaps to resolve. Only this
    patient's seats are written; other changes wait for a regeneration.
    """
    if not timetable_is_generated(retreat):
        return []
    ctx = _timetable_context(retreat)
    ctx.enrolled = [enrollment]
    skipped = []
    for item in retreat.template.all():
        result = TimetableResult()
        plan = _plan_item(ctx, item, result, to_cancel=[])
        if result.shortages:
            if strict:
                raise TimetableImpossible(
                    f"{enrollment.patient.full_name} cannot be seated in the timetable; "
                    "nothing was changed. " + " ".join(result.shortages),
                    extra={"shortages": result.shortages, "sessions": _session_ids(ctx.clashes)},
                )
            skipped.append((item, plan.start, plan.end))
            continue
        try:
            with transaction.atomic():  # a savepoint: a refused slot leaves nothing behind
                for group in plan.groups:
                    key = group.key or uuid.uuid4()
                    for seat in group.new:
                        _book_seat(ctx, plan, group, key, seat, by)
        except TimetableImpossible:
            if strict:
                raise
            skipped.append((item, plan.start, plan.end))
    return skipped


@dataclass
class _Context:
    """What every step of a generation reads: the locked retreat and its resources."""

    retreat: Retreat
    zone: object
    enrolled: list[Enrollment]
    staff: list[StaffMember]
    rooms: list[Room]
    entries: list[RetreatSession]
    hours: dict
    clashes: list = field(default_factory=list)  # other sessions a shortage names


@dataclass
class _ItemPlan:
    """One template item's slot and the groups seated for it."""

    item: RetreatTemplateItem
    start: dt.datetime
    end: dt.datetime
    groups: list[_Group]


@transaction.atomic
def timetable_generate(*, retreat: Retreat, by: StaffMember | None = None) -> TimetableResult:
    """Create (or bring up to date) every enrolled patient's sessions from the template.

    Locks the retreat. All-or-nothing: raises TimetableImpossible listing each day, time and
    resource that is short (rooms, seats, clinicians, or a patient already booked), and then
    creates nothing. Bookings go through `session_book`, so practice's clinical rules (a
    dosing session needs a running plan and a cleared screening) apply and refuse the whole
    generation too.

    The steps: read what the retreat has (`_timetable_context`); for each template item,
    keep the sessions that still fit (`_keep_fitting`) and seat everyone else in free rooms
    with free clinicians (`_seat_waiting`), noting every shortage; refuse if anything is
    short; then write (`_write_timetable`).
    """
    retreat = Retreat.objects.select_for_update().get(pk=retreat.pk)
    items = list(retreat.template.all())
    if not items:
        raise InvalidInput("Give the retreat a daily template before generating its timetable.")
    ctx = _timetable_context(retreat)
    result = TimetableResult()
    to_cancel: list[RetreatSession] = []
    plans = [_plan_item(ctx, item, result, to_cancel) for item in items]
    if result.shortages:
        raise TimetableImpossible(
            "The timetable cannot be generated; nothing was created. " + " ".join(result.shortages),
            extra={"shortages": result.shortages, "sessions": _session_ids(ctx.clashes)},
        )
    _write_timetable(ctx, plans, to_cancel, result, by)
    return result


def _timetable_context(retreat: Retreat) -> _Context:
    """The enrolled patients (in enrollment order), the retreat's active clinicians and
    rooms (largest first), its generated sessions and the clinicians' working hours."""
    zone = retreat.clinic.zone
    staff = [
        s
        for s in retreat.staff.select_related("user").order_by("pk")
        if s.is_active and s.role in CLINICIAN_ROLES
    ]
    first_day = local_instant(retreat.starts_on, dt.time(0), zone)
    last_day = local_instant(retreat.ends_on + dt.timedelta(days=1), dt.time(0), zone)
    return _Context(
        retreat=retreat,
        zone=zone,
        enrolled=list(
            Enrollment.objects.filter(retreat=retreat, status=EnrollmentStatus.ENROLLED)
            .select_related("patient")
            .order_by("created_at", "pk")
        ),
        staff=staff,
        rooms=[r for r in retreat.rooms.order_by("-capacity", "name") if r.is_active],
        entries=list(
            RetreatSession.objects.filter(enrollment__retreat=retreat).select_related(
                "session__room", "session__clinician", "enrollment"
            )
        ),
        hours=working_intervals(
            clinic=retreat.clinic,
            clinician_ids=[s.pk for s in staff],
            start=first_day,
            end=last_day,
        ),
    )


def _plan_item(ctx: _Context, item, result: TimetableResult, to_cancel: list) -> _ItemPlan:
    """Plan one template item's slot: keep what fits, seat the rest, note shortages."""
    day = ctx.retreat.starts_on + dt.timedelta(days=item.day - 1)
    start = local_instant(day, item.start_time, ctx.zone)
    end = start + dt.timedelta(minutes=item.duration_minutes)
    kept, seated = _keep_fitting(ctx, item, start, end, to_cancel)
    result.kept += sum(g.existing for g in kept)
    waiting = [e for e in ctx.enrolled if e.pk not in seated]
    if not waiting:
        return _ItemPlan(item, start, end, kept)
    groups = _seat_waiting(ctx, item, start, end, kept, waiting, result.shortages)
    return _ItemPlan(item, start, end, groups)


def _keep_fitting(ctx: _Context, item, start, end, to_cancel: list) -> tuple[list, set]:
    """The groups of this item's existing sessions that still fit (same time, kind and a
    suitable room, patient still enrolled), and who sits in them. Anything else (a moved
    item, a cancelled enrollee, a session cancelled by hand) goes to `to_cancel`; a patient
    still enrolled is seated again."""
    kept, seated = {}, set()
    for entry in (e for e in ctx.entries if e.item_id == item.pk):
        s = entry.session
        fits = (
            entry.enrollment.status == EnrollmentStatus.ENROLLED
            and s.status == SessionStatus.SCHEDULED
            and s.starts_at == start
            and s.ends_at == end
            and s.kind == item.kind
            and (item.kind != SessionKind.DOSING or (s.room and s.room.dosing_capable))
        )
        if fits:
            group = kept.setdefault(
                s.booking_key,
                _Group(room=s.room, clinician=s.clinician, key=s.booking_key, seats=0),
            )
            group.existing += 1
            seated.add(entry.enrollment_id)
        else:
            to_cancel.append(entry)
    for g in kept.values():
        g.seats = (g.room.capacity if item.group else 1) if g.room else 1
    return list(kept.values()), seated


def _seat_waiting(ctx, item, start, end, kept, waiting, shortages) -> list[_Group]:
    """Fill free seats of the kept groups, then open groups in rooms and with clinicians
    that are free (no session outside this retreat then; clinicians working); every
    shortage is appended to `shortages` in words a person can act on."""
    when = _when(item, start, end, ctx.retreat.clinic)
    busy = _busy_then(ctx, start, end, waiting)
    for e in waiting:
        if e.patient_id in busy["patients"]:
            clash = busy["patients"][e.patient_id]
            ctx.clashes.append(clash)
            shortages.append(
                f"{when}: {e.patient.full_name} already has "
                f"{session_described(clash, ctx.retreat.clinic)}."
            )
    suitable, free_rooms, free_staff = _free_resources(ctx, item, start, end, kept, busy)
    groups, queue, rooms_left = _fill_groups(item, kept, waiting, free_rooms, free_staff)
    if queue:
        if not rooms_left:
            shortages.append(
                _rooms_short(ctx, item, when, waiting, queue, free_rooms, kept, suitable, busy)
            )
        else:
            shortages.append(
                f"{when}: not enough clinicians — {len(free_staff)} of the retreat's "
                f"{len(ctx.staff)} clinicians are working and free, {len(queue)} patients "
                "still without one."
            )
    return groups


def _free_resources(ctx: _Context, item, start, end, kept, busy) -> tuple[list, list, list]:
    """(rooms suitable for the item, those of them free, clinicians free and working): free
    means neither busy outside the retreat then nor already used by a kept group."""
    used_rooms = {g.room.pk for g in kept if g.room}
    used_staff = {g.clinician.pk for g in kept}
    suitable = [r for r in ctx.rooms if item.kind != SessionKind.DOSING or r.dosing_capable]
    free_rooms = [r for r in suitable if r.pk not in busy["rooms"] and r.pk not in used_rooms]
    free_staff = [
        s
        for s in ctx.staff
        if s.pk not in busy["staff"]
        and s.pk not in used_staff
        and any(a <= start and end <= b for a, b in ctx.hours[s.pk])
    ]
    return suitable, free_rooms, free_staff


def _fill_groups(item, kept, waiting, free_rooms, free_staff) -> tuple[list, list, list]:
    """Seat the waiting patients in order: first in the kept groups' free seats, then in new
    groups, each a free room (largest first) with a free clinician. Returns (the groups,
    the patients still without a seat, the rooms left over)."""
    groups = list(kept)
    queue = list(waiting)
    for g in groups:
        while queue and g.existing + len(g.new) < g.seats:
            g.new.append(queue.pop(0))
    rooms_left, staff_left = list(free_rooms), list(free_staff)
    while queue and rooms_left and staff_left:
        room = rooms_left.pop(0)
        group = _Group(
            room=room,
            clinician=staff_left.pop(0),
            key=None,
            seats=room.capacity if item.group else 1,
        )
        while queue and len(group.new) < group.seats:
            group.new.append(queue.pop(0))
        groups.append(group)
    return groups, queue, rooms_left


def _busy_then(ctx: _Context, start, end, waiting) -> dict[str, dict]:
    """Rooms, clinicians and waiting patients taken by sessions outside this retreat's
    timetable that overlap the slot, each with the first such session's id."""
    others = Session.objects.filter(ACTIVE, overlapping(start, end)).exclude(
        pk__in=[e.session_id for e in ctx.entries]
    )
    return {
        "rooms": {s.room_id: s for s in others.filter(room__isnull=False).order_by("-pk")},
        "staff": dict(others.values_list("clinician_id", "pk").order_by("pk")),
        "patients": {
            s.patient_id: s
            for s in others.filter(patient__in=[e.patient_id for e in waiting]).order_by("-pk")
        },
    }


def _rooms_short(ctx, item, when, waiting, queue, free_rooms, kept, suitable, busy) -> str:
    """The shortage message when the free rooms cannot seat everyone."""
    kind = "dosing-capable rooms" if item.kind == SessionKind.DOSING else "rooms"
    seats = sum((r.capacity if item.group else 1) for r in free_rooms) + sum(
        g.seats - g.existing for g in kept
    )
    taken = ", ".join(
        f"{r.name} ({busy['rooms'][r.pk].get_kind_display().lower()} session "
        f"{ctx.retreat.clinic.local(busy['rooms'][r.pk].starts_at):%H:%M}–"
        f"{ctx.retreat.clinic.local(busy['rooms'][r.pk].ends_at):%H:%M})"
        for r in suitable
        if r.pk in busy["rooms"]
    )
    ctx.clashes.extend(busy["rooms"][r.pk] for r in suitable if r.pk in busy["rooms"])
    return (
        f"{when}: {len(waiting)} patients need a place but the free {kind} "
        f"seat only {seats}"
        + (f"; booked elsewhere: {taken}" if taken else "")
        + f" — {len(queue)} short."
    )


def _write_timetable(ctx: _Context, plans, to_cancel, result: TimetableResult, by) -> None:
    """Cancel what no longer fits, book every new seat (`_book_seat`; a refusal there
    refuses the whole generation) and bring the welcome messages up to date."""
    for entry in to_cancel:
        if entry.session.status == SessionStatus.SCHEDULED:
            session_cancel(session=entry.session, reason="Retreat timetable regenerated", by=by)
            result.cancelled += 1
        entry.delete()
    for plan in plans:
        for group in plan.groups:
            key = group.key or uuid.uuid4()
            for enrollment in group.new:
                _book_seat(ctx, plan, group, key, enrollment, by)
                result.created += 1
    for enrollment in ctx.enrolled:
        enrollment.retreat = ctx.retreat
        _sync_welcome(enrollment)


def _book_seat(ctx: _Context, plan: _ItemPlan, group: _Group, key, enrollment, by) -> None:
    """Book one patient's seat through `session_book`, so practice's clinical rules apply;
    a refusal becomes TimetableImpossible naming the slot and the patient."""
    from practice.selectors import plan_running_for

    item, start, end = plan.item, plan.start, plan.end
    try:
        session = session_book(
            patient=enrollment.patient,
            clinician=group.clinician,
            kind=item.kind,
            starts_at=start,
            ends_at=end,
            room=group.room,
            plan=plan_running_for(patient=enrollment.patient),
            booking_key=key,
            booked_by=by,
        )
    except DomainError as error:
        when = _when(item, start, end, ctx.retreat.clinic)
        raise TimetableImpossible(
            f"{when}: {enrollment.patient.full_name} — {error.message} Nothing was created.",
            extra={"shortages": [error.message]},
        ) from error
    RetreatSession.objects.create(enrollment=enrollment, item=item, session=session)
