"""Booking a session (alone or in a group) and its dry run."""

import datetime as dt
import functools
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from practice import services as practice_services
from practice.choices import SessionKind, SessionModality
from practice.models import Patient, Room, Session, StaffMember, TreatmentPlan
from scheduling.errors import (
    DomainError,
    InvalidInput,
)
from scheduling.models import SessionBooking, SessionSeries
from scheduling.services.booking.rules import (
    ACTIVE,
    CalendarRefused,
    booking_problems,
    lock_resources,
    raise_first,
    write_guarded,
)
from scheduling.services.reminders import session_reminders_sync

log = logging.getLogger(__name__)


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
    modality: str = SessionModality.IN_PERSON,
) -> Session:
    """Book one session (or one attendee of a group, when `booking_key` names the group).

    A video session (`modality="video"`) takes no room (any room given is ignored), needs
    the patient's telehealth consent and is never a dose (practice's rules refuse).

    Locks the room, clinician and patient rows, then refuses with a DomainError — and
    changes nothing — when the clinician is not working then, the room is unsuitable or
    full, anyone involved is already booked, or practice's clinical rules refuse (dosing
    without an active plan and cleared screening). A dose booked without a plan is booked
    against the patient's running plan, if there is one. Syncs the session's reminders.
    Once committed, the apps' after-booking hooks run (`announce_booked`); a dry run
    (`session_book_check`) rolls back and runs none.
    """
    if modality == SessionModality.VIDEO:
        if booking_key is not None:
            raise InvalidInput("A group session is held in person, not by video.")
        room = None
    lock_resources(room=room, clinicians=[clinician], patients=[patient])
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
        "modality": modality,
    }
    if booking_key is not None:
        fields["booking_key"] = booking_key

    def write():
        # Practice's clinical rules answer first (a patient who may not be dosed is told so
        # before being told which room to pick); the savepoint is rolled back if the
        # calendar then refuses.
        created = practice_services.session_create(**fields)
        if problems:
            raise CalendarRefused
        return created

    try:
        session = write_guarded(
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
    except CalendarRefused:
        raise_first(problems)
    SessionBooking.objects.create(
        session=session, booked_by=booked_by, series=series, series_index=series_index
    )
    session_reminders_sync(session=session)
    transaction.on_commit(functools.partial(announce_booked, session.pk))
    return session


def announce_booked(session_id: int) -> None:
    """After a booking commits, call each app's hook (`settings.KAP_SESSION_BOOKED`, dotted
    paths taking `session_id=`): billing gives the Good Faith Estimate at scheduling without
    scheduling importing billing. A hook that fails is logged; the booking stands."""
    for path in getattr(settings, "KAP_SESSION_BOOKED", []):
        try:
            import_string(path)(session_id=session_id)
        except Exception:
            log.exception("The after-booking hook %s failed for session %s", path, session_id)


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
    lock_resources(room=room, clinicians=[clinician], patients=patients)
    raise_first(
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
        room=None if kwargs.get("modality") == SessionModality.VIDEO else kwargs.get("room"),
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
