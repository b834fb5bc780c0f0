"""Patients booking their own sessions: the clinic's rules (kinds, care team, notice,
horizon), the same refusals as staff booking, the admin's queue and the patient's message.

The clock is frozen at Monday 1 February 2027, 08:00 in Denver (tests/scheduling/conftest.py);
the personas' therapist and medical staff are on the patient's care team, the outsider is not,
and every clinician works 8–18 every day.
"""

import datetime as dt

import pytest

from messaging.choices import MessageKind
from messaging.models import Reminder
from practice.models import Session
from scheduling.choices import BookingRequestStatus
from scheduling.errors import BookingConflict, InvalidInput, SelfBookingRefused, WrongState
from scheduling.models import BookingRequest, SchedulingPolicy
from scheduling.services.booking import session_book
from scheduling.services.selfbooking import (
    booking_request_approve,
    booking_request_create,
    booking_request_decline,
    booking_request_withdraw,
    self_booking_slots,
)
from tests.scheduling.conftest import local

pytestmark = pytest.mark.django_db

TUESDAY_10 = local(2027, 2, 2, 10)
FIFTY = dt.timedelta(minutes=50)


def policy(cal, **fields) -> SchedulingPolicy:
    row, _ = SchedulingPolicy.objects.update_or_create(clinic=cal.people.clinic, defaults=fields)
    return row


def request_slot(cal, *, starts_at=TUESDAY_10, clinician=None, kind="integration", patient=None):
    return booking_request_create(
        patient=patient or cal.people.patient,
        clinician=clinician or cal.people.therapist,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + FIFTY,
    )


# --- settings --------------------------------------------------------------------------


def test_by_default_integration_and_preparation_are_offered_and_dosing_never(cal):
    assert SchedulingPolicy(clinic=cal.people.clinic).self_booking_kinds == [
        "preparation",
        "integration",
    ]


def test_the_database_refuses_a_dosing_booking_request(cal):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        BookingRequest.objects.create(
            clinic=cal.people.clinic,
            patient=cal.people.patient,
            clinician=cal.people.therapist,
            kind="dosing",
            starts_at=TUESDAY_10,
            ends_at=TUESDAY_10 + FIFTY,
        )


# --- slots -----------------------------------------------------------------------------


def test_slots_are_only_the_care_teams_and_inside_the_notice_and_horizon(cal):
    policy(cal, self_booking_max_days_ahead=3)
    slots = self_booking_slots(patient=cal.people.patient, kind="integration", count=50)
    assert slots
    team = {cal.people.therapist.pk, cal.people.medical.pk}
    assert {s.clinician.pk for s in slots} <= team
    assert all(s.starts_at >= local(2027, 2, 2, 8) for s in slots)
    assert all(s.starts_at < local(2027, 2, 4, 8) for s in slots)
    assert all(s.ends_at - s.starts_at == FIFTY for s in slots)


def test_slots_leave_out_times_the_patient_is_already_booked(cal):
    session_book(
        patient=cal.people.patient,
        clinician=cal.people.outsider,
        kind="integration",
        starts_at=local(2027, 2, 2, 8),
        ends_at=local(2027, 2, 2, 12),
    )
    slots = self_booking_slots(patient=cal.people.patient, kind="integration", count=5)
    assert min(s.starts_at for s in slots) >= local(2027, 2, 2, 12)


def test_asking_for_dosing_slots_is_refused(cal):
    with pytest.raises(SelfBookingRefused, match="dosing"):
        self_booking_slots(patient=cal.people.patient, kind="dosing")


def test_asking_for_a_kind_the_clinic_does_not_offer_is_refused(cal):
    policy(cal, self_booking_preparation=False)
    with pytest.raises(SelfBookingRefused, match="preparation"):
        self_booking_slots(patient=cal.people.patient, kind="preparation")


# --- requests --------------------------------------------------------------------------


def test_without_auto_confirm_a_request_waits_and_books_nothing(cal):
    made = request_slot(cal)
    assert made.status == BookingRequestStatus.REQUESTED
    assert made.session is None
    assert not Session.objects.exists()


def test_with_auto_confirm_the_request_books_the_session_through_the_staff_path(cal):
    policy(cal, self_booking_auto_confirm=True)
    made = request_slot(cal)
    assert made.status == BookingRequestStatus.CONFIRMED
    session = made.session
    assert (session.patient, session.clinician, session.kind) == (
        cal.people.patient,
        cal.people.therapist,
        "integration",
    )
    assert session.booking.booked_by is None


@pytest.mark.parametrize("auto_confirm", [False, True])
def test_a_clinician_off_the_care_team_is_refused_and_nothing_changes(cal, auto_confirm):
    policy(cal, self_booking_auto_confirm=auto_confirm)
    with pytest.raises(SelfBookingRefused, match="care team"):
        request_slot(cal, clinician=cal.people.outsider)
    assert not BookingRequest.objects.exists()
    assert not Session.objects.exists()


def test_a_clinician_of_another_clinic_is_refused(cal):
    with pytest.raises(SelfBookingRefused, match="care team"):
        request_slot(cal, clinician=cal.people.other_admin)


@pytest.mark.parametrize("auto_confirm", [False, True])
def test_a_dosing_self_booking_is_refused_and_nothing_changes(cal, auto_confirm):
    policy(cal, self_booking_auto_confirm=auto_confirm)
    with pytest.raises(SelfBookingRefused, match="dosing"):
        request_slot(cal, kind="dosing")
    assert not BookingRequest.objects.exists()
    assert not Session.objects.exists()


def test_a_kind_the_clinic_does_not_offer_is_refused(cal):
    policy(cal, self_booking_integration=False)
    with pytest.raises(SelfBookingRefused):
        request_slot(cal)
    assert not BookingRequest.objects.exists()


def test_a_slot_inside_the_minimum_notice_is_refused(cal):
    with pytest.raises(SelfBookingRefused, match="24 hours ahead"):
        request_slot(cal, starts_at=local(2027, 2, 1, 16))
    assert not BookingRequest.objects.exists()


def test_a_slot_beyond_the_horizon_is_refused(cal):
    policy(cal, self_booking_max_days_ahead=7)
    with pytest.raises(SelfBookingRefused, match="7 days ahead"):
        request_slot(cal, starts_at=local(2027, 2, 9, 10))
    assert not BookingRequest.objects.exists()


def test_a_length_other_than_the_clinics_is_refused(cal):
    with pytest.raises(InvalidInput, match="50 minutes"):
        booking_request_create(
            patient=cal.people.patient,
            clinician=cal.people.therapist,
            kind="integration",
            starts_at=TUESDAY_10,
            ends_at=TUESDAY_10 + dt.timedelta(hours=3),
        )


@pytest.mark.parametrize("auto_confirm", [False, True])
def test_a_slot_outside_working_hours_gets_the_staff_bookings_refusal(cal, auto_confirm):
    policy(cal, self_booking_auto_confirm=auto_confirm)
    with pytest.raises(Exception) as refused:
        request_slot(cal, starts_at=local(2027, 2, 2, 19))
    assert getattr(refused.value, "code", None) == "outside_working_hours"
    assert not BookingRequest.objects.exists()
    assert not Session.objects.exists()


@pytest.mark.parametrize("auto_confirm", [False, True])
def test_a_taken_slot_gets_the_staff_bookings_conflict(cal, auto_confirm):
    policy(cal, self_booking_auto_confirm=auto_confirm)
    session_book(
        patient=cal.people.other_patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=TUESDAY_10,
        ends_at=TUESDAY_10 + FIFTY,
    )
    with pytest.raises(BookingConflict):
        request_slot(cal)
    assert not BookingRequest.objects.exists()
    assert Session.objects.count() == 1


# --- the admin's decision -------------------------------------------------------------


def test_approving_books_the_session_and_tells_the_patient_without_details(cal):
    made = request_slot(cal)
    approved = booking_request_approve(booking_request=made, by=cal.people.admin)
    assert approved.status == BookingRequestStatus.CONFIRMED
    assert approved.decided_by == cal.people.admin
    assert approved.session.booking.booked_by == cal.people.admin
    (row,) = Reminder.objects.filter(kind=MessageKind.BOOKING_REQUEST_DECIDED)
    assert "confirmed" in row.body_text
    assert "/portal/book/" in row.body_text
    assert "integration" not in row.body_text.lower()
    assert cal.people.therapist.user.last_name not in row.body_text


def test_approving_a_slot_taken_meanwhile_refuses_and_leaves_the_request_open(cal):
    made = request_slot(cal)
    session_book(
        patient=cal.people.other_patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=TUESDAY_10,
        ends_at=TUESDAY_10 + FIFTY,
    )
    with pytest.raises(BookingConflict):
        booking_request_approve(booking_request=made, by=cal.people.admin)
    made.refresh_from_db()
    assert made.status == BookingRequestStatus.REQUESTED
    assert Session.objects.count() == 1
    declined = booking_request_decline(
        booking_request=made, by=cal.people.admin, message="That hour went; Thursday at 10 is free."
    )
    assert declined.status == BookingRequestStatus.DECLINED
    assert declined.message == "That hour went; Thursday at 10 is free."
    (row,) = Reminder.objects.filter(kind=MessageKind.BOOKING_REQUEST_DECIDED)
    assert "declined" in row.body_text
    assert "Thursday" not in row.body_text


def test_declining_needs_a_message(cal):
    made = request_slot(cal)
    with pytest.raises(InvalidInput):
        booking_request_decline(booking_request=made, by=cal.people.admin, message="  ")
    made.refresh_from_db()
    assert made.status == BookingRequestStatus.REQUESTED


def test_a_decided_request_cannot_be_decided_again(cal):
    made = request_slot(cal)
    booking_request_decline(booking_request=made, by=cal.people.admin, message="No.")
    with pytest.raises(WrongState):
        booking_request_approve(booking_request=made, by=cal.people.admin)
    assert not Session.objects.exists()


def test_the_patient_withdraws_a_waiting_request_but_not_anothers(cal):
    made = request_slot(cal)
    with pytest.raises(WrongState):
        booking_request_withdraw(booking_request=made, patient=cal.people.other_patient)
    withdrawn = booking_request_withdraw(booking_request=made, patient=cal.people.patient)
    assert withdrawn.status == BookingRequestStatus.WITHDRAWN
    with pytest.raises(WrongState):
        booking_request_approve(booking_request=made, by=cal.people.admin)


# --- by video --------------------------------------------------------------------------


@pytest.mark.parametrize("auto_confirm", [False, True])
def test_a_video_self_booking_without_the_telehealth_consent_is_refused_and_nothing_changes(
    cal, auto_confirm
):
    from practice.errors import ConsentMissing

    policy(cal, self_booking_auto_confirm=auto_confirm)
    with pytest.raises(ConsentMissing) as refused:
        booking_request_create(
            patient=cal.people.patient,
            clinician=cal.people.therapist,
            kind="integration",
            modality="video",
            starts_at=TUESDAY_10,
            ends_at=TUESDAY_10 + FIFTY,
        )
    assert refused.value.extra["missing"] == ["telehealth"]
    assert not BookingRequest.objects.exists() and not Session.objects.exists()


def test_a_video_request_the_admin_approves_books_a_video_session_with_its_own_room(cal):
    from practice.choices import TELEHEALTH_CONSENT_KINDS
    from tests.factories import consents_signed

    consents_signed(cal.people.patient, TELEHEALTH_CONSENT_KINDS)
    made = booking_request_create(
        patient=cal.people.patient,
        clinician=cal.people.therapist,
        kind="integration",
        modality="video",
        starts_at=TUESDAY_10,
        ends_at=TUESDAY_10 + FIFTY,
    )
    assert made.modality == "video" and made.session is None

    session = booking_request_approve(booking_request=made, by=cal.people.admin).session
    assert session.modality == "video" and session.video_room and session.room is None
