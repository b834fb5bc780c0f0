"""Retreats: enrollment with an ordered waitlist, and the generated timetable.

Enrollment and cancellation lock the retreat row, so places are counted and handed out one
at a time: the (capacity+1)-th patient is waitlisted, and a cancelled place goes to the first
waitlisted patient, who is notified.

The timetable is planned in full before anything is written: for each template item, every
enrolled patient needs a seat in a room of the retreat (dosing-capable for dosing) with a
clinician of the retreat's staff who is working and free. If any seat cannot be found the
generation refuses, naming the day, the time and the resource that is short, and creates
nothing. Regenerating keeps every session that still fits and only books, moves or cancels
what changed (a new enrollee, a cancelled one, a template item moved).
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field
from itertools import pairwise

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from backend.errors import full_clean_or_refuse
from backend.roles import CLINICIAN_ROLES
from practice.choices import SessionKind, SessionStatus
from practice.models import Patient, Room, Session, StaffMember
from scheduling.choices import EnrollmentStatus
from scheduling.errors import (
    CapacityBelowEnrolled,
    DomainError,
    InvalidInput,
    NotCleared,
    TimetableImpossible,
    WrongState,
)
from scheduling.models import Enrollment, Retreat, RetreatSession, RetreatTemplateItem
from scheduling.services.availability import local_instant, working_intervals
from scheduling.services.booking import ACTIVE, overlapping, session_book, session_cancel


@transaction.atomic
def retreat_create(
    *,
    clinic,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    capacity: int,
    price,
    location: str = "",
    description: str = "",
    staff: list[StaffMember] = (),
    rooms: list[Room] = (),
    standard_template: bool = False,
) -> Retreat:
    """Create a retreat with its staff and rooms (all of the same clinic) and, when asked,
    the standard daily template, all in one transaction: if the template is refused, the
    retreat is not created either."""
    retreat = Retreat(
        clinic=clinic,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        capacity=capacity,
        price=price,
        location=location,
        description=description,
    )
    full_clean_or_refuse(retreat)
    retreat.save()
    retreat_resources_set(retreat=retreat, staff=staff, rooms=rooms)
    if standard_template:
        retreat_template_default(retreat=retreat)
    return retreat


RETREAT_FIELDS = frozenset(
    {"name", "starts_on", "ends_on", "location", "capacity", "price", "description"}
)


@transaction.atomic
def retreat_update(
    *,
    retreat: Retreat,
    by: StaffMember | None = None,
    staff: list[StaffMember] | None = None,
    rooms: list[Room] | None = None,
    **fields,
) -> Retreat:
    """Change a retreat's details, staff or rooms (those not given stay as they are).

    Locks the retreat. Refuses (CapacityBelowEnrolled) fewer places than patients already
    enrolled, and a retreat that ends before it starts (InvalidInput); then nothing changes.
    When the places rise, the waitlist moves up in order into the new places and each
    promoted patient is notified. Updates and returns the `retreat` it was given.
    """
    unknown = set(fields) - RETREAT_FIELDS
    if unknown:
        raise InvalidInput(f"A retreat has no field {', '.join(sorted(unknown))}.")
    Retreat.objects.select_for_update().get(pk=retreat.pk)
    for name, value in fields.items():
        setattr(retreat, name, value)
    full_clean_or_refuse(retreat)
    enrolled = Enrollment.objects.filter(retreat=retreat, status=EnrollmentStatus.ENROLLED)
    taken = enrolled.count()
    if retreat.capacity < taken:
        raise CapacityBelowEnrolled(
            f"{retreat.name} already has {taken} patients enrolled; it cannot have only "
            f"{retreat.capacity} places. Cancel enrollments first, or keep at least {taken}."
        )
    retreat.save()
    if staff is not None or rooms is not None:
        retreat_resources_set(
            retreat=retreat,
            staff=staff if staff is not None else list(retreat.staff.all()),
            rooms=rooms if rooms is not None else list(retreat.rooms.all()),
        )
    if {"starts_on", "ends_on", "name"} & set(fields):
        # The welcome message is timed from the dates and names the retreat.
        for enrollment in enrolled.select_related("patient"):
            enrollment.retreat = retreat
            _sync_welcome(enrollment)
    for _ in range(retreat.capacity - taken):
        if _promote_first(retreat) is None:
            break
    return retreat


@transaction.atomic
def retreat_resources_set(*, retreat: Retreat, staff, rooms) -> Retreat:
    if any(s.clinic_id != retreat.clinic_id for s in staff) or any(
        r.clinic_id != retreat.clinic_id for r in rooms
    ):
        raise InvalidInput("Staff and rooms must belong to the retreat's clinic.")
    retreat.staff.set(staff)
    retreat.rooms.set(rooms)
    return retreat


@transaction.atomic
def retreat_template_set(*, retreat: Retreat, items: list[dict]) -> list[RetreatTemplateItem]:
    """Replace the daily template. Each item: day (1-based), kind, start_time,
    duration_minutes, group (bool), title. Refuses days outside the retreat and items that
    overlap on one day. Already generated sessions stay until the timetable is regenerated."""
    Retreat.objects.select_for_update().get(pk=retreat.pk)
    built = []
    for data in items:
        item = RetreatTemplateItem(retreat=retreat, **data)
        item.full_clean(exclude=["retreat"], validate_unique=False)
        if item.day > retreat.days:
            raise InvalidInput(f"Day {item.day} is after the retreat's last day ({retreat.days}).")
        built.append(item)
    by_day: dict[int, list] = {}
    for item in built:
        start = dt.datetime.combine(dt.date(2000, 1, 1), item.start_time)
        by_day.setdefault(item.day, []).append(
            (start, start + dt.timedelta(minutes=item.duration_minutes), item)
        )
    for day, spans in by_day.items():
        spans.sort(key=lambda s: s[0])
        for (_, end_a, a), (start_b, _, b) in pairwise(spans):
            if start_b < end_a:
                raise InvalidInput(f"Day {day}: “{a}” and “{b}” overlap.")
    # Items whose slot is unchanged keep their id so their generated sessions stay linked.
    existing = {(i.day, i.start_time): i for i in retreat.template.all()}
    kept = []
    for item in built:
        old = existing.pop((item.day, item.start_time), None)
        if old is not None:
            for name in ("kind", "duration_minutes", "group", "title"):
                setattr(old, name, getattr(item, name))
            old.save()
            kept.append(old)
        else:
            item.save()
            kept.append(item)
    for stale in existing.values():
        stale.delete()
    return kept


def retreat_template_default(*, retreat: Retreat) -> list[RetreatTemplateItem]:
    """The clinic's usual intensive: day 1 preparation; middle days a dosing session in the
    morning and an integration circle in the afternoon; last day integration and closing."""
    items = [
        {
            "day": 1,
            "kind": SessionKind.PREPARATION,
            "start_time": dt.time(9, 30),
            "duration_minutes": 150,
            "group": True,
            "title": "Preparation and intentions",
        }
    ]
    for day in range(2, retreat.days):
        items.append(
            {
                "day": day,
                "kind": SessionKind.DOSING,
                "start_time": dt.time(9),
                "duration_minutes": 180,
                "group": True,
                "title": "Dosing",
            }
        )
        items.append(
            {
                "day": day,
                "kind": SessionKind.INTEGRATION,
                "start_time": dt.time(14, 30),
                "duration_minutes": 120,
                "group": True,
                "title": "Integration circle",
            }
        )
    if retreat.days > 1:
        items.append(
            {
                "day": retreat.days,
                "kind": SessionKind.INTEGRATION,
                "start_time": dt.time(10),
                "duration_minutes": 180,
                "group": True,
                "title": "Integration and closing",
            }
        )
    return retreat_template_set(retreat=retreat, items=items)


def _screening_covers(patient: Patient, retreat: Retreat) -> bool:
    """The patient's newest screening clears them from the first day through the last day
    of the retreat (a newer one that found a contraindication closes it)."""
    from practice.selectors import screening_current, screening_problem

    screening = screening_current(patient=patient, on=retreat.starts_on)
    return (
        screening_problem(screening, retreat.starts_on) is None
        and screening.expires_on >= retreat.ends_on
    )


def _notify_promoted(enrollment: Enrollment) -> None:
    """Tell a patient their waitlisted place became a place (through the patient outbox)."""
    from messaging.services import outbox

    starts_on = enrollment.retreat.starts_on
    outbox.message_enqueue(
        patient=enrollment.patient,
        kind="waitlist_promotion",
        target_type="enrollment",
        target_id=enrollment.pk,
        context={
            "offer_name": enrollment.retreat.name,
            "offer_date": f"{starts_on:%A, %B} {starts_on.day}",
        },
    )


def _sync_welcome(enrollment: Enrollment) -> None:
    """Keep the retreat welcome message in step with the enrollment: sent a week before to
    enrolled patients, withdrawn otherwise (the reminders service reads what it needs)."""
    from scheduling.services.reminders import enrollment_reminders_sync

    enrollment_reminders_sync(enrollment=enrollment)


@transaction.atomic
def enrollment_create(*, retreat: Retreat, patient: Patient) -> Enrollment:
    """Enroll a patient, or put them on the waitlist when the retreat is full.

    Locks the retreat row. Refuses (NotCleared) a patient without a cleared screening that
    covers the retreat's dates, and (WrongState) one already enrolled or waitlisted.
    """
    retreat = Retreat.objects.select_for_update().get(pk=retreat.pk)
    if patient.clinic_id != retreat.clinic_id:
        raise InvalidInput("That patient belongs to another clinic.")
    current = Enrollment.objects.filter(retreat=retreat, patient=patient).exclude(
        status=EnrollmentStatus.CANCELLED
    )
    if current.exists():
        raise WrongState(
            f"{patient.full_name} is already {current.get().get_status_display().lower()} "
            f"for {retreat.name}."
        )
    if not _screening_covers(patient, retreat):
        raise NotCleared(
            f"{patient.full_name} has no cleared screening valid from {retreat.starts_on:%b %d} "
            f"to {retreat.ends_on:%b %d, %Y}; only cleared patients can join a retreat."
        )
    enrolled = Enrollment.objects.filter(retreat=retreat, status=EnrollmentStatus.ENROLLED)
    enrollment = Enrollment(clinic_id=retreat.clinic_id, retreat=retreat, patient=patient)
    if enrolled.count() < retreat.capacity:
        enrollment.status = EnrollmentStatus.ENROLLED
    else:
        last = Enrollment.objects.filter(
            retreat=retreat, status=EnrollmentStatus.WAITLISTED
        ).aggregate(Max("position"))["position__max"]
        enrollment.status = EnrollmentStatus.WAITLISTED
        enrollment.position = (last or 0) + 1
    enrollment.full_clean()
    enrollment.save()
    enrollment.retreat = retreat
    _sync_welcome(enrollment)
    return enrollment


def _close_waitlist_gap(retreat: Retreat, position: int) -> None:
    # Ascending, one row at a time, so the unique (retreat, position) never sees a clash.
    for row in Enrollment.objects.filter(
        retreat=retreat, status=EnrollmentStatus.WAITLISTED, position__gt=position
    ).order_by("position"):
        row.position -= 1
        row.save(update_fields=["position"])


@transaction.atomic
def enrollment_cancel(
    *, enrollment: Enrollment, by: StaffMember | None = None, reason: str = ""
) -> Enrollment | None:
    """Cancel an enrollment or a waitlisted place.

    Locks the retreat. The patient's timetable sessions are cancelled. A freed place goes at
    once to the first waitlisted patient (who is notified); returns that promoted
    enrollment, or None.
    """
    retreat = Retreat.objects.select_for_update().get(pk=enrollment.retreat_id)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status == EnrollmentStatus.CANCELLED:
        raise WrongState("This enrollment is already cancelled.")
    was = enrollment.status
    old_position = enrollment.position
    enrollment.status = EnrollmentStatus.CANCELLED
    enrollment.position = None
    enrollment.cancelled_at = timezone.now()
    enrollment.save(update_fields=["status", "position", "cancelled_at"])
    for entry in RetreatSession.objects.filter(enrollment=enrollment).select_related("session"):
        if entry.session.status == SessionStatus.SCHEDULED:
            session_cancel(
                session=entry.session, reason=reason or "Retreat enrollment cancelled", by=by
            )
    enrollment.retreat = retreat
    _sync_welcome(enrollment)
    if was == EnrollmentStatus.WAITLISTED:
        _close_waitlist_gap(retreat, old_position)
        return None
    return _promote_first(retreat)


def _promote_first(retreat: Retreat) -> Enrollment | None:
    """Give a free place to the first waitlisted patient (who is notified); the caller holds
    the retreat's lock. Returns that enrollment, or None when nobody is waiting."""
    first = (
        Enrollment.objects.select_for_update()
        .filter(retreat=retreat, status=EnrollmentStatus.WAITLISTED)
        .order_by("position")
        .first()
    )
    if first is None:
        return None
    first.status = EnrollmentStatus.ENROLLED
    first.position = None
    first.promoted_at = timezone.now()
    first.save(update_fields=["status", "position", "promoted_at"])
    _close_waitlist_gap(retreat, 1)
    first.retreat = retreat
    _notify_promoted(first)
    _sync_welcome(first)
    return first


# --- timetable --------------------------------------------------------------------------


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


def _when(item: RetreatTemplateItem, start: dt.datetime, end: dt.datetime, zone) -> str:
    return (
        f"Day {item.day} ({start.astimezone(zone):%a %b %d}) "
        f"{start.astimezone(zone):%H:%M}–{end.astimezone(zone):%H:%M} "
        f"{item.title or item.get_kind_display()}"
    )


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
            extra={"shortages": result.shortages},
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
    when = _when(item, start, end, ctx.zone)
    busy = _busy_then(ctx, start, end, waiting)
    for e in waiting:
        if e.patient_id in busy["patients"]:
            shortages.append(
                f"{when}: {e.patient.full_name} is already booked then "
                f"(session #{busy['patients'][e.patient_id]})."
            )
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
    if queue:
        if not rooms_left:
            shortages.append(
                _rooms_short(item, when, waiting, queue, free_rooms, kept, suitable, busy)
            )
        else:
            shortages.append(
                f"{when}: not enough clinicians — {len(free_staff)} of the retreat's "
                f"{len(ctx.staff)} clinicians are working and free, {len(queue)} patients "
                "still without one."
            )
    return groups


def _busy_then(ctx: _Context, start, end, waiting) -> dict[str, dict]:
    """Rooms, clinicians and waiting patients taken by sessions outside this retreat's
    timetable that overlap the slot, each with the first such session's id."""
    others = Session.objects.filter(ACTIVE, overlapping(start, end)).exclude(
        pk__in=[e.session_id for e in ctx.entries]
    )
    return {
        "rooms": dict(
            others.filter(room__isnull=False).values_list("room_id", "pk").order_by("pk")
        ),
        "staff": dict(others.values_list("clinician_id", "pk").order_by("pk")),
        "patients": dict(
            others.filter(patient__in=[e.patient_id for e in waiting])
            .values_list("patient_id", "pk")
            .order_by("pk")
        ),
    }


def _rooms_short(item, when, waiting, queue, free_rooms, kept, suitable, busy) -> str:
    """The shortage message when the free rooms cannot seat everyone."""
    kind = "dosing-capable rooms" if item.kind == SessionKind.DOSING else "rooms"
    seats = sum((r.capacity if item.group else 1) for r in free_rooms) + sum(
        g.seats - g.existing for g in kept
    )
    taken = ", ".join(
        f"{r.name} (session #{busy['rooms'][r.pk]})" for r in suitable if r.pk in busy["rooms"]
    )
    return (
        f"{when}: {len(waiting)} patients need a place but the free {kind} "
        f"seat only {seats}"
        + (f"; booked elsewhere: {taken}" if taken else "")
        + f" — {len(queue)} short."
    )


def _write_timetable(ctx: _Context, plans, to_cancel, result: TimetableResult, by) -> None:
    """Cancel what no longer fits, book every new seat through `session_book` (a refusal
    there refuses the whole generation) and bring the welcome messages up to date."""
    from practice.selectors import plan_running_for

    for entry in to_cancel:
        if entry.session.status == SessionStatus.SCHEDULED:
            session_cancel(session=entry.session, reason="Retreat timetable regenerated", by=by)
            result.cancelled += 1
        entry.delete()
    for plan in plans:
        item, start, end = plan.item, plan.start, plan.end
        for group in plan.groups:
            key = group.key or uuid.uuid4()
            for enrollment in group.new:
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
                    raise TimetableImpossible(
                        f"{_when(item, start, end, ctx.zone)}: {enrollment.patient.full_name} — "
                        f"{error.message} Nothing was created.",
                        extra={"shortages": [error.message]},
                    ) from error
                RetreatSession.objects.create(enrollment=enrollment, item=item, session=session)
                result.created += 1
    for enrollment in ctx.enrolled:
        enrollment.retreat = ctx.retreat
        _sync_welcome(enrollment)
