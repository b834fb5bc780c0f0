"""Clinicians' working hours: stored as wall-clock times, turned into UTC per local date.

`datetime.combine(day, time, tzinfo=zone)` resolves each date's own UTC offset, so 9:00–17:00
stays 9:00–17:00 local on both sides of a daylight-saving change. Reads here answer two
questions: the UTC intervals a clinician works in a range, and whether a booking fits them.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.db import transaction

from practice.models import StaffMember
from scheduling.choices import ExceptionKind
from scheduling.errors import InvalidInput
from scheduling.models import AvailabilityException, WorkingHours

Interval = tuple[dt.datetime, dt.datetime]
UTC = dt.UTC


def wall_clock(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """`moment` as naive clinic wall-clock time, for display: templates would otherwise
    convert an aware datetime back to the server's zone."""
    return moment.astimezone(zone).replace(tzinfo=None)


def local_instant(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of wall-clock `time` on `day` in `zone` (that date's own offset)."""
    return dt.datetime.combine(day, time, tzinfo=zone).astimezone(UTC)


def _day_end(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return local_instant(day + dt.timedelta(days=1), dt.time(0), zone)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping union of intervals (touching ones are joined)."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(intervals: list[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """`intervals` (merged) minus `holes`."""
    result = intervals
    for h_start, h_end in merge(holes):
        cut: list[Interval] = []
        for start, end in result:
            if h_end <= start or h_start >= end:
                cut.append((start, end))
                continue
            if start < h_start:
                cut.append((start, h_start))
            if h_end < end:
                cut.append((h_end, end))
        result = cut
    return result


def working_intervals(
    *, clinic, clinician_ids: Iterable[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[Interval]]:
    """UTC intervals each clinician works within [start, end): weekly hours plus extra
    hours minus time off, clipped to the range. Two queries whatever the range."""
    zone = clinic.zone
    ids = list(clinician_ids)
    first_day = clinic.date_of(start)
    last_day = clinic.date_of(end - dt.timedelta(microseconds=1))
    hours_by = defaultdict(list)
    for row in WorkingHours.objects.filter(clinician_id__in=ids):
        hours_by[row.clinician_id].append(row)
    exceptions_by = defaultdict(list)
    for row in AvailabilityException.objects.filter(
        clinician_id__in=ids, starts_on__lte=last_day, ends_on__gte=first_day
    ):
        exceptions_by[row.clinician_id].append(row)

    result: dict[int, list[Interval]] = {}
    for clinician_id in ids:
        worked: list[Interval] = []
        off: list[Interval] = []
        day = first_day
        while day <= last_day:
            for row in hours_by[clinician_id]:
                if row.weekday != day.weekday():
                    continue
                if (row.valid_from and day < row.valid_from) or (
                    row.valid_until and day > row.valid_until
                ):
                    continue
                worked.append(
                    (
                        local_instant(day, row.start_time, zone),
                        local_instant(day, row.end_time, zone),
                    )
                )
            for row in exceptions_by[clinician_id]:
                if not (row.starts_on <= day <= row.ends_on):
                    continue
                if row.start_time is None:
                    span = (local_instant(day, dt.time(0), zone), _day_end(day, zone))
                else:
                    span = (
                        local_instant(day, row.start_time, zone),
                        local_instant(day, row.end_time, zone),
                    )
                (worked if row.kind == ExceptionKind.EXTRA_HOURS else off).append(span)
            day += dt.timedelta(days=1)
        free = subtract(merge(worked), off)
        result[clinician_id] = [
            (max(s, start), min(e, end)) for s, e in free if e > start and s < end
        ]
    return result


def within_working_hours(*, clinician: StaffMember, starts_at: dt.datetime, ends_at: dt.datetime):
    """Whether [starts_at, ends_at) lies inside one stretch of the clinician's hours."""
    intervals = working_intervals(
        clinic=clinician.clinic,
        clinician_ids=[clinician.pk],
        start=starts_at - dt.timedelta(days=1),
        end=ends_at + dt.timedelta(days=1),
    )[clinician.pk]
    return any(s <= starts_at and ends_at <= e for s, e in intervals)


def hours_on(*, clinician: StaffMember, day: dt.date) -> str:
    """The clinician's hours on a local date, as a person reads them ("09:00–17:00")."""
    zone = clinician.clinic.zone
    start = local_instant(day, dt.time(0), zone)
    intervals = working_intervals(
        clinic=clinician.clinic, clinician_ids=[clinician.pk], start=start, end=_day_end(day, zone)
    )[clinician.pk]
    if not intervals:
        return "not working that day"
    clinic = clinician.clinic
    return ", ".join(f"{clinic.local(s):%H:%M}–{clinic.local(e):%H:%M}" for s, e in intervals)


@transaction.atomic
def working_hours_set(
    *, clinician: StaffMember, weekly: Iterable[tuple[int, dt.time, dt.time]]
) -> list[WorkingHours]:
    """Replace a clinician's open-ended weekly hours with `weekly` (weekday, start, end).

    Locks the clinician row so two editors don't interleave. Raises InvalidInput for an
    empty or reversed stretch or overlapping stretches on one weekday.
    """
    StaffMember.objects.select_for_update().get(pk=clinician.pk)
    rows = []
    by_day = defaultdict(list)
    for weekday, start, end in weekly:
        if not (0 <= weekday <= 6) or end <= start:
            raise InvalidInput(f"Working hours {start:%H:%M}–{end:%H:%M} are not a valid stretch.")
        by_day[weekday].append((start, end))
    for spans in by_day.values():
        spans.sort()
        for (_, end_a), (start_b, _) in pairwise(spans):
            if start_b < end_a:
                raise InvalidInput("Two stretches of working hours overlap on the same day.")
    WorkingHours.objects.filter(
        clinician=clinician, valid_from__isnull=True, valid_until__isnull=True
    ).delete()
    for weekday, spans in sorted(by_day.items()):
        for start, end in spans:
            row = WorkingHours(
                clinic_id=clinician.clinic_id,
                clinician=clinician,
                weekday=weekday,
                start_time=start,
                end_time=end,
            )
            row.full_clean()
            row.save()
            rows.append(row)
    return rows


@transaction.atomic
def availability_exception_add(
    *,
    clinician: StaffMember,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
    reason: str = "",
) -> AvailabilityException:
    """Record time off (whole days, or hours) or extra hours. Existing bookings are not
    touched: the calendar shows them as outside hours so the admin can move them."""
    exception = AvailabilityException(
        clinic_id=clinician.clinic_id,
        clinician=clinician,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
        start_time=start_time,
        end_time=end_time,
        reason=reason,
    )
    exception.full_clean()
    exception.save()
    return exception


@transaction.atomic
def availability_exception_update(
    *,
    exception: AvailabilityException,
    clinician: StaffMember,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
    reason: str = "",
) -> AvailabilityException:
    """Change an exception (locked while it changes). The clinician stays in the exception's
    clinic; ValidationError (per field) for reversed dates or times, or extra hours without
    times. Bookings are not touched, as when adding."""
    locked = AvailabilityException.objects.select_for_update().get(pk=exception.pk)
    if clinician.clinic_id != locked.clinic_id:
        raise InvalidInput("That clinician works at another clinic.")
    locked.clinician = clinician
    locked.kind = kind
    locked.starts_on = starts_on
    locked.ends_on = ends_on or starts_on
    locked.start_time = start_time
    locked.end_time = end_time
    locked.reason = reason
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def availability_exception_delete(*, exception: AvailabilityException) -> None:
    """Remove an exception: the clinician's regular hours apply again on its dates."""
    AvailabilityException.objects.filter(pk=exception.pk).delete()
