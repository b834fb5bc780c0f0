"""A retreat's details, staff and rooms, and its daily template (the timetable is generated
from it in `timetable`)."""

import datetime as dt
from itertools import pairwise

from django.db import transaction

from backend.errors import full_clean_or_refuse
from practice.choices import SessionKind
from practice.models import Room, StaffMember
from scheduling.choices import EnrollmentStatus
from scheduling.errors import CapacityBelowEnrolled, InvalidInput
from scheduling.models import Enrollment, Retreat, RetreatTemplateItem
from scheduling.services.retreats.enrollment import _promote_first, _sync_welcome


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
