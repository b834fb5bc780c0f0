"""Moving and cancelling a booked session."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from practice import services as practice_services
from practice.choices import SessionModality, SessionStatus
from practice.models import Room, Session, StaffMember
from practice.video import new_room_name
from scheduling.errors import (
    WrongState,
)
from scheduling.models import SessionBooking
from scheduling.services.booking.rules import (
    ACTIVE,
    booking_problems,
    lock_resources,
    raise_first,
    write_guarded,
)
from scheduling.services.reminders import session_reminders_sync

# "Leave the room as it is" (None means "no room").
KEEP = object()


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
    modality: str | None = None,
) -> Session:
    """Move a scheduled session (with its whole group, if it is one) to a new time, and
    optionally another room, clinician or modality (None keeps it). A session that becomes
    video leaves its room and gets its room name (the telehealth consent is checked; a dose
    is never by video); one that comes back in person loses its room name.

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
    new_modality = modality or locked.modality
    video = new_modality == SessionModality.VIDEO
    if video and len(group) > 1:
        raise WrongState("A group session is held in person; move attendees one by one.")
    new_room = None if video else (locked.room if room is KEEP else room)
    new_clinician = clinician or locked.clinician
    patients = [s.patient for s in group]
    lock_resources(room=new_room, clinicians=[new_clinician], patients=patients)
    for s in group:
        practice_services.session_rules_check(
            patient=s.patient,
            clinician=new_clinician,
            kind=s.kind,
            starts_at=starts_at,
            plan=s.plan,
            modality=new_modality,
        )
    raise_first(
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
            if new_modality != s.modality:
                s.modality = new_modality
                s.video_room = new_room_name() if video else None
            s.full_clean(exclude=["booking_key"])
            s.save(
                update_fields=[
                    "starts_at",
                    "ends_at",
                    "room",
                    "clinician",
                    "modality",
                    "video_room",
                    "updated_at",
                ]
            )

    write_guarded(
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
    # Locks the session row only; its clinic (the cancellation window) and patient (its
    # change log's name) come along in the same read.
    locked = (
        Session.objects.select_for_update(of=("self",))
        .select_related("clinic", "patient")
        .get(pk=session.pk)
    )
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
