"""Booking, rescheduling and cancelling: nobody is double-booked, hours and rooms are respected."""

import datetime as dt

import pytest

from practice.models import Session
from scheduling.errors import (
    BookingConflict,
    CapacityReached,
    DomainError,
    OutsideWorkingHours,
    RoomNotSuitable,
    WrongState,
)
from scheduling.models import SchedulingPolicy, SessionBooking
from scheduling.services.availability import availability_exception_add
from scheduling.services.booking import (
    group_session_book,
    session_book,
    session_cancel,
    session_reschedule,
)
from tests.factories import PatientFactory
from tests.scheduling.conftest import clear_for_retreat, local

pytestmark = pytest.mark.django_db


def book(
    cal,
    start,
    end=None,
    *,
    patient=None,
    clinician=None,
    room="dosing_a",
    kind="integration",
    plan=None,
):
    return session_book(
        plan=plan,
        patient=patient or cal.people.patient,
        clinician=clinician or cal.people.therapist,
        kind=kind,
        starts_at=start,
        ends_at=end or start + dt.timedelta(hours=1),
        room=getattr(cal, room) if isinstance(room, str) else room,
    )


def test_booking_creates_the_session_and_its_booking_record(cal):
    session = book(cal, local(2027, 2, 3, 10))
    assert session.status == "scheduled"
    assert session.room == cal.dosing_a
    assert SessionBooking.objects.get(session=session).sequence == 0


def test_a_booked_room_is_refused_naming_the_session_and_room(cal):
    first = book(cal, local(2027, 2, 3, 10))
    with pytest.raises(BookingConflict) as refused:
        book(
            cal,
            local(2027, 2, 3, 10, 30),
            patient=cal.people.other_patient,
            clinician=cal.people.outsider,
        )
    # In words (kind, the clinic's times, the clinician), never "session #N"; the id goes
    # in `extra` for pages to link.
    assert (
        "Room Dosing A is booked: an integration session Wed Feb 3, 10:00 AM–11:00 AM "
        "with Bob Therapist, LCSW." in str(refused.value)
    )
    assert "#" not in str(refused.value)
    assert refused.value.extra["conflicts"][0]["resource"] == "room"
    assert refused.value.extra["sessions"] == [first.pk]
    assert Session.objects.count() == 1


def test_a_booked_clinician_is_refused(cal):
    book(cal, local(2027, 2, 3, 10))
    with pytest.raises(
        BookingConflict,
        match="Bob Therapist, LCSW is booked: an integration session Wed Feb 3, 10:00 AM",
    ):
        book(cal, local(2027, 2, 3, 10), patient=cal.people.other_patient, room="dosing_b")
    assert Session.objects.count() == 1


def test_a_booked_patient_is_refused(cal):
    book(cal, local(2027, 2, 3, 10))
    with pytest.raises(BookingConflict, match="The patient already has a session"):
        book(cal, local(2027, 2, 3, 10, 45), clinician=cal.people.outsider, room="dosing_b")
    assert Session.objects.count() == 1


def test_back_to_back_sessions_are_allowed(cal):
    book(cal, local(2027, 2, 3, 10))
    book(cal, local(2027, 2, 3, 11))
    book(cal, local(2027, 2, 3, 9))
    assert Session.objects.count() == 3


def test_a_cancelled_session_frees_its_slot(cal):
    first = book(cal, local(2027, 2, 3, 10))
    session_cancel(session=first, reason="Patient unwell")
    again = book(cal, local(2027, 2, 3, 10))
    assert again.pk != first.pk


def test_dosing_in_a_room_that_is_not_dosing_capable_is_refused(cal):
    plan = clear_for_retreat(cal.people.patient, cal.people.medical)
    with pytest.raises(RoomNotSuitable, match="Circle room is not dosing-capable"):
        book(cal, local(2027, 2, 3, 10), room="circle", kind="dosing", plan=plan)
    with pytest.raises(RoomNotSuitable, match="needs a dosing-capable room"):
        book(cal, local(2027, 2, 3, 10), room=None, kind="dosing", plan=plan)
    assert not Session.objects.exists()
    assert book(cal, local(2027, 2, 3, 10), kind="dosing", plan=plan).room == cal.dosing_a


def test_clinical_rules_answer_before_calendar_rules(cal):
    # The running plan is used, but there is no screening: practice's rules refuse before
    # the (unsuitable) room is even considered.
    with pytest.raises(DomainError, match="no cleared screening"):
        book(cal, local(2027, 2, 3, 10), room="circle", kind="dosing")
    assert not Session.objects.exists()


def test_booking_outside_the_clinicians_hours_is_refused_with_their_hours(cal):
    with pytest.raises(
        OutsideWorkingHours, match=r"outside Bob Therapist, LCSW's working hours \(08:00–18:00\)"
    ):
        book(cal, local(2027, 2, 3, 17, 30))
    assert not Session.objects.exists()


def test_time_off_refuses_and_extra_hours_allow(cal):
    availability_exception_add(
        clinician=cal.people.therapist, kind="time_off", starts_on=dt.date(2027, 2, 3)
    )
    with pytest.raises(OutsideWorkingHours, match="not working that day"):
        book(cal, local(2027, 2, 3, 10))
    availability_exception_add(
        clinician=cal.people.therapist,
        kind="extra_hours",
        starts_on=dt.date(2027, 2, 4),
        start_time=dt.time(18),
        end_time=dt.time(20),
    )
    assert book(cal, local(2027, 2, 4, 18, 30)).pk


def test_a_group_shares_its_room_and_clinician_up_to_the_room_capacity(cal):
    attendees = [cal.people.patient, cal.people.other_patient] + [
        PatientFactory(clinic=cal.people.clinic) for _ in range(6)
    ]
    sessions = group_session_book(
        patients=attendees,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 3, 14),
        ends_at=local(2027, 2, 3, 16),
        room=cal.circle,
    )
    assert len({s.booking_key for s in sessions}) == 1
    assert len(sessions) == 8
    with pytest.raises(CapacityReached, match="Circle room seats 8; this booking would need 9"):
        session_book(
            patient=PatientFactory(clinic=cal.people.clinic),
            clinician=cal.people.therapist,
            kind="integration",
            starts_at=local(2027, 2, 3, 14),
            ends_at=local(2027, 2, 3, 16),
            room=cal.circle,
            booking_key=sessions[0].booking_key,
        )
    # A different booking may not use the room or the clinician while the group meets.
    with pytest.raises(BookingConflict, match="Circle room is booked"):
        book(
            cal,
            local(2027, 2, 3, 15),
            patient=PatientFactory(clinic=cal.people.clinic),
            clinician=cal.people.outsider,
            room="circle",
        )
    assert Session.objects.count() == 8


def test_reschedule_moves_the_session_and_bumps_its_calendar_sequence(cal):
    session = book(cal, local(2027, 2, 3, 10))
    moved = session_reschedule(
        session=session, starts_at=local(2027, 2, 4, 9), ends_at=local(2027, 2, 4, 10)
    )
    assert moved.starts_at == local(2027, 2, 4, 9)
    assert SessionBooking.objects.get(session=session).sequence == 1


def test_reschedule_into_a_taken_slot_is_refused_and_changes_nothing(cal):
    book(cal, local(2027, 2, 4, 9), patient=cal.people.other_patient)
    session = book(cal, local(2027, 2, 3, 10), room="dosing_b")
    with pytest.raises(BookingConflict, match="Bob Therapist, LCSW is booked"):
        session_reschedule(
            session=session, starts_at=local(2027, 2, 4, 9), ends_at=local(2027, 2, 4, 10)
        )
    session.refresh_from_db()
    assert session.starts_at == local(2027, 2, 3, 10)
    assert SessionBooking.objects.get(session=session).sequence == 0


def test_a_dose_moved_past_the_screenings_expiry_is_refused_and_changes_nothing(cal):
    from practice.errors import NotInClinic, SessionRefused
    from tests.factories import ScreeningFactory

    ScreeningFactory(
        patient=cal.people.patient,
        screened_by=cal.people.medical,
        screened_on=dt.date(2026, 3, 1),
        expires_on=dt.date(2027, 2, 28),
    )
    cal.plan.status = "active"
    cal.plan.save(update_fields=["status"])
    dose = book(
        cal,
        local(2027, 2, 24, 10),
        local(2027, 2, 24, 12),
        clinician=cal.people.medical,
        kind="dosing",
        plan=cal.plan,
    )
    # Within the screening: moved. Past its expiry (Mar 1): refused, nothing changes.
    session_reschedule(
        session=dose, starts_at=local(2027, 2, 26, 10), ends_at=local(2027, 2, 26, 12)
    )
    with pytest.raises(SessionRefused, match="no cleared screening valid on Mar 1, 2027"):
        session_reschedule(
            session=dose, starts_at=local(2027, 3, 1, 10), ends_at=local(2027, 3, 1, 12)
        )
    # Nor can it move to a clinician of another clinic.
    with pytest.raises(NotInClinic):
        session_reschedule(
            session=dose,
            starts_at=local(2027, 2, 26, 10),
            ends_at=local(2027, 2, 26, 12),
            clinician=cal.people.other_admin,
        )
    dose.refresh_from_db()
    assert (dose.starts_at, dose.clinician) == (local(2027, 2, 26, 10), cal.people.medical)
    assert SessionBooking.objects.get(session=dose).sequence == 1


def test_a_cancellation_inside_the_clinic_window_is_recorded_as_late(cal, frozen):
    SchedulingPolicy.objects.create(clinic=cal.people.clinic, cancellation_window_hours=48)
    early = book(cal, local(2027, 2, 5, 10))
    late = book(cal, local(2027, 2, 2, 10))
    session_cancel(session=early, reason="Travel")
    session_cancel(session=late, reason="Sick")
    assert SessionBooking.objects.get(session=early).late_cancellation is False
    assert SessionBooking.objects.get(session=late).late_cancellation is True
    with pytest.raises(WrongState, match="this one is Cancelled"):
        session_cancel(session=late)
