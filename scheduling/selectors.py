"""Reads of the clinic's calendar, scoped to who is asking.

Time-range reads filter on `starts_at >= … AND starts_at < …` so they use the
(clinic|clinician|patient|room, starts_at) indexes; a range containment on the column would
skip them (see TOOLCHAIN.md).
"""

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from backend.roles import THERAPIST
from practice.choices import SessionStatus
from practice.models import Patient, Room, Session, StaffMember
from scheduling.choices import EnrollmentStatus
from scheduling.models import AvailabilityException, CalendarFeed, Enrollment, Retreat
from scheduling.services.availability import merge, subtract, working_intervals

MAX_SESSION = dt.timedelta(hours=12)


def session_range(*, user, start: dt.datetime, end: dt.datetime) -> QuerySet[Session]:
    """Sessions `user` may see that start in [start, end), with their joins done."""
    return (
        Session.objects.visible_to(user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        # "confirmation": the patient's answer through a reminder link, shown on the calendar.
        .select_related("patient", "clinician__user", "room", "booking", "confirmation")
        .order_by("starts_at", "pk")
    )


def clinician_day(*, staff: StaffMember, start: dt.datetime, end: dt.datetime):
    """A clinician's own sessions starting in [start, end) (their "my day")."""
    return (
        Session.objects.filter(clinician=staff, starts_at__gte=start, starts_at__lt=end)
        .select_related("patient", "room")
        .order_by("starts_at", "pk")
    )


def patient_enrollments(*, patient: Patient) -> QuerySet[Enrollment]:
    """The patient's current retreats: not cancelled, and not over by the clinic's today."""
    return (
        Enrollment.objects.filter(patient=patient, retreat__ends_on__gte=patient.clinic.today())
        .exclude(status=EnrollmentStatus.CANCELLED)
        .select_related("retreat")
    )


def availability_exception_list(*, user, since: dt.date) -> list[AvailabilityException]:
    """Time off and extra hours of the clinicians `user` may see that end on or after
    `since`, soonest first, clinicians loaded (1 query)."""
    return list(
        AvailabilityException.objects.visible_to(user)
        .filter(ends_on__gte=since)
        .select_related("clinician__user")
        .order_by("starts_on", "start_time", "pk")
    )


def retreat_list(*, user) -> QuerySet[Retreat]:
    """Retreats with their enrolled and waitlisted counts (one query), soonest first
    (an aggregate drops the model's default ordering, so it is given here)."""
    return (
        Retreat.objects.visible_to(user)
        .annotate(
            enrolled_count=Count(
                "enrollments", filter=Q(enrollments__status=EnrollmentStatus.ENROLLED)
            ),
            waitlisted_count=Count(
                "enrollments", filter=Q(enrollments__status=EnrollmentStatus.WAITLISTED)
            ),
        )
        .order_by("starts_on", "name", "pk")
    )


def retreat_get(*, user, pk) -> Retreat:
    return (
        retreat_list(user=user)
        .prefetch_related(
            Prefetch("staff", queryset=StaffMember.objects.select_related("user")),
            "rooms",
            "template",
        )
        .get(pk=pk)
    )


def enrollment_list(*, user, retreat: Retreat) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.visible_to(user)
        .filter(retreat=retreat)
        .select_related("patient")
        .order_by("status", "position", "created_at", "pk")
    )


def retreat_enrol_refusals(*, retreat: Retreat, patients) -> dict[int, str]:
    """{patient id: why an enrolment would be refused, to follow the patient's name} for the
    enrol form: no cleared screening covering the retreat's dates (the same rule
    `enrollment_create` applies), or already enrolled or waitlisted. Queries: the
    enrollments, the screenings and their findings (3), whatever the number of patients."""
    from practice.models import Screening
    from practice.selectors import screening_problem

    reasons: dict[int, str] = {}
    newest: dict[int, object] = {}
    screenings = (
        Screening.objects.filter(patient__in=patients, screened_on__lte=retreat.starts_on)
        .prefetch_related("findings")
        .order_by("patient_id", "-screened_on", "-id")
    )
    for screening in screenings:
        newest.setdefault(screening.patient_id, screening)
    for patient in patients:
        screening = newest.get(patient.pk)
        problem = screening_problem(screening, retreat.starts_on)
        if problem is None and screening.expires_on < retreat.ends_on:
            problem = f"the screening expires on {screening.expires_on:%b %-d}, before the end"
        if problem:
            reasons[patient.pk] = f"cannot join: {problem}"
    for patient_id, status in (
        Enrollment.objects.filter(retreat=retreat)
        .exclude(status=EnrollmentStatus.CANCELLED)
        .values_list("patient_id", "status")
    ):
        reasons[patient_id] = f"is already {EnrollmentStatus(status).label.lower()}"
    return reasons


@dataclass(frozen=True)
class TimetableGap:
    """An enrolled patient missing from one item of a generated timetable, and the patient's
    own sessions that clash with it (empty when the cause was a room or clinician)."""

    enrollment: Enrollment
    item: object
    clashes: list


def retreat_timetable_gaps(*, retreat: Retreat, enrolled: list[Enrollment]) -> list[TimetableGap]:
    """Where the generated timetable leaves an enrolled patient out (a promotion that met a
    clash, a session cancelled by hand). Nothing before the timetable is generated.
    Queries: the retreat's entries and template (2), then one per patient with a gap."""
    from scheduling.models import RetreatSession
    from scheduling.services.retreats.timetable import patient_clashes, retreat_slots

    entries = RetreatSession.objects.filter(enrollment__retreat=retreat)
    seated = set(
        entries.exclude(session__status=SessionStatus.CANCELLED).values_list(
            "enrollment_id", "item_id"
        )
    )
    if not seated:
        return []
    slots = retreat_slots(retreat)
    gaps = []
    for enrollment in enrolled:
        missing = [item for item, _, _ in slots if (enrollment.pk, item.pk) not in seated]
        if not missing:
            continue
        clashes = patient_clashes(retreat=retreat, patient_id=enrollment.patient_id, slots=slots)
        gaps.extend(TimetableGap(enrollment, item, clashes.get(item.pk, [])) for item in missing)
    return gaps


def _live_feeds(*, staff: StaffMember | None, patient: Patient | None):
    owner = {"staff": staff} if staff is not None else {"patient": patient}
    return CalendarFeed.objects.filter(revoked_at__isnull=True, **owner)


def live_feed(*, staff: StaffMember | None = None, patient: Patient | None = None):
    return _live_feeds(staff=staff, patient=patient).first()


def live_feed_token(*, staff: StaffMember | None = None, patient: Patient | None = None):
    """The token of `live_feed` (None without one): all a page's calendar link needs."""
    return _live_feeds(staff=staff, patient=patient).values_list("token", flat=True).first()


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    clinician: StaffMember
    room: Room | None


def _busy(field: str, ids, start, end) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    rows = (
        Session.objects.filter(
            ~Q(status=SessionStatus.CANCELLED),
            **{f"{field}__in": ids},
            starts_at__gte=start - MAX_SESSION,
            starts_at__lt=end,
        )
        .values_list(field, "starts_at", "ends_at")
        .order_by()
    )
    busy = defaultdict(list)
    for key, s, e in rows:
        busy[key].append((s, e))
    return busy


def _fits(free: list[tuple[dt.datetime, dt.datetime]], starts, start: dt.datetime, end) -> bool:
    i = bisect.bisect_right(starts, start) - 1
    return i >= 0 and free[i][1] >= end


def free_slots(
    *,
    clinic,
    start: dt.datetime,
    end: dt.datetime,
    length: dt.timedelta,
    count: int = 10,
    clinicians: list[StaffMember] | None = None,
    room_needed: str | None = "dosing",
    patient: Patient | None = None,
    step: dt.timedelta | None = None,
) -> list[Slot]:
    """The next `count` start times in [start, end) when a clinician (one of `clinicians`,
    or any active therapist) is working and free, a room is free (`room_needed`: "dosing"
    for a dosing-capable room, "any", or None), and the patient (if given) is free.

    Works a week at a time and stops as soon as it has enough, so a wide range costs only
    what it reads: per week, two queries for hours and one each for the busy times of the
    clinicians, rooms and patient.
    """
    if clinicians is None:
        clinicians = list(
            StaffMember.objects.filter(clinic=clinic, role=THERAPIST, is_active=True)
            .select_related("user")
            .order_by("pk")
        )
    if step is None:
        step = dt.timedelta(minutes=scheduling_policy_for(clinic).slot_step_minutes)
    rooms: list[Room] = []
    if room_needed:
        rooms = list(Room.objects.filter(clinic=clinic, is_active=True).order_by("name", "pk"))
        if room_needed == "dosing":
            rooms = [r for r in rooms if r.dosing_capable]
        if not rooms:
            return []
    by_id = {c.pk: c for c in clinicians}
    step_s = int(step.total_seconds())
    start = max(start, timezone.now())
    slots: list[Slot] = []
    chunk_start = start
    while chunk_start < end and len(slots) < count:
        chunk_end = min(chunk_start + dt.timedelta(days=7), end)
        hours = working_intervals(
            clinic=clinic, clinician_ids=list(by_id), start=chunk_start, end=chunk_end
        )
        busy_c = _busy("clinician_id", list(by_id), chunk_start, chunk_end)
        whole = [(chunk_start, chunk_end + MAX_SESSION)]
        room_free = {}
        if rooms:
            busy_r = _busy("room_id", [r.pk for r in rooms], chunk_start, chunk_end)
            for r in rooms:
                free = subtract(whole, busy_r[r.pk])
                room_free[r.pk] = (free, [s for s, _ in free])
        patient_free = None
        if patient is not None:
            free = subtract(
                whole, _busy("patient_id", [patient.pk], chunk_start, chunk_end)[patient.pk]
            )
            patient_free = (free, [s for s, _ in free])

        candidates: dict[dt.datetime, Slot] = {}
        for clinician_id, clinician in by_id.items():
            for w_start, w_end in subtract(merge(hours[clinician_id]), busy_c[clinician_id]):
                epoch = int(w_start.timestamp())
                t = dt.datetime.fromtimestamp(-(-epoch // step_s) * step_s, tz=dt.UTC)
                while t + length <= w_end and t < chunk_end:
                    if t in candidates or (
                        patient_free and not _fits(*patient_free, t, t + length)
                    ):
                        t += step
                        continue
                    room = None
                    if rooms:
                        room = next(
                            (r for r in rooms if _fits(*room_free[r.pk], t, t + length)), None
                        )
                        if room is None:
                            t += step
                            continue
                    candidates[t] = Slot(t, t + length, clinician, room)
                    t += step
        for t in sorted(candidates):
            slots.append(candidates[t])
            if len(slots) == count:
                break
        chunk_start = chunk_end
    return slots


def scheduling_policy_for(clinic):
    """The clinic's booking rules (unsaved defaults when it never changed them)."""
    from scheduling.models import SchedulingPolicy

    found = SchedulingPolicy.objects.filter(clinic=clinic).first()
    return found or SchedulingPolicy(clinic=clinic)


def booking_request_list(*, user):
    """Booking requests `user` may see (a patient their own, an admin the clinic's),
    clinician joined, soonest first."""
    from scheduling.models import BookingRequest

    return (
        BookingRequest.objects.visible_to(user)
        .select_related("clinician__user", "patient", "session")
        .order_by("starts_at", "pk")
    )
