"""Patients booking their own sessions from the portal.

The clinic's `SchedulingPolicy` says which kinds (never dosing), how far ahead, and whether
a request is booked at once or waits for an admin. Every booking goes through the staff
path, `session_book`, so a slot that breaks a calendar or clinical rule is refused with the
same reasons; a request waiting for approval is checked with `session_book_check` when it
is made and booked through `session_book` when an admin approves it.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from messaging.choices import MessageKind
from messaging.services.outbox.queueing import message_enqueue
from practice.choices import SessionKind, SessionModality
from practice.models import Patient, StaffMember
from scheduling.choices import BookingRequestStatus
from scheduling.errors import InvalidInput, SelfBookingRefused, WrongState
from scheduling.models import BookingRequest, SchedulingPolicy
from scheduling.selectors import Slot, free_slots, scheduling_policy_for
from scheduling.services.booking import session_book, session_book_check
from scheduling.services.booking.rules import raise_first


def care_team_clinicians(*, patient: Patient) -> list[StaffMember]:
    """The active clinicians on the patient's care team (the only ones they may book)."""
    return list(
        StaffMember.objects.filter(
            care_teams__patient=patient, clinic_id=patient.clinic_id, is_active=True
        )
        .select_related("user")
        .order_by("pk")
    )


def self_booking_window(*, clinic, now: dt.datetime | None = None):
    """[earliest, latest) start a patient may book now, from the clinic's policy."""
    policy = scheduling_policy_for(clinic)
    now = now or timezone.now()
    return (
        now + dt.timedelta(hours=policy.self_booking_min_notice_hours),
        now + dt.timedelta(days=policy.self_booking_max_days_ahead),
    )


def self_booking_slots(*, patient: Patient, kind: str, count: int = 30) -> list[Slot]:
    """Free slots the patient may book for `kind`: only their care team's clinicians, only
    a kind the clinic allows, only inside its notice and horizon, only when the patient is
    free too. An unallowed kind raises SelfBookingRefused."""
    policy = scheduling_policy_for(patient.clinic)
    _check_kind(policy=policy, kind=kind)
    clinicians = care_team_clinicians(patient=patient)
    if not clinicians:
        return []
    start, end = self_booking_window(clinic=patient.clinic)
    return free_slots(
        clinic=patient.clinic,
        start=start,
        end=end,
        length=dt.timedelta(minutes=policy.self_booking_minutes),
        count=count,
        clinicians=clinicians,
        room_needed=None,
        patient=patient,
    )


def _check_kind(*, policy, kind: str) -> None:
    if kind == SessionKind.DOSING:
        raise SelfBookingRefused("A dosing session is booked by the clinic; please contact it.")
    if kind not in SessionKind.values:
        raise InvalidInput("Choose a kind of session.")
    if kind not in policy.self_booking_kinds:
        raise SelfBookingRefused(
            f"The clinic does not take {SessionKind(kind).label.lower()} bookings online; "
            "please contact it."
        )


def _check_request(*, patient: Patient, clinician: StaffMember, kind: str, starts_at, ends_at):
    policy = scheduling_policy_for(patient.clinic)
    _check_kind(policy=policy, kind=kind)
    if (
        clinician.clinic_id != patient.clinic_id
        or not clinician.care_teams.filter(patient=patient).exists()
    ):
        raise SelfBookingRefused("You can book only with a clinician on your care team.")
    if ends_at - starts_at != dt.timedelta(minutes=policy.self_booking_minutes):
        raise InvalidInput(f"A session you book lasts {policy.self_booking_minutes} minutes.")
    earliest, latest = self_booking_window(clinic=patient.clinic)
    if starts_at < earliest:
        raise SelfBookingRefused(
            f"Book at least {policy.self_booking_min_notice_hours} hours ahead; "
            "for anything sooner, please contact the clinic."
        )
    if starts_at >= latest:
        raise SelfBookingRefused(f"Book at most {policy.self_booking_max_days_ahead} days ahead.")
    return policy


@transaction.atomic
def booking_request_create(
    *,
    patient: Patient,
    clinician: StaffMember,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    modality: str = SessionModality.IN_PERSON,
) -> BookingRequest:
    """A patient's booking of a slot with their care team (`ends_at` defaults to the clinic's
    self-booking length), in person or by video (a video
    session needs the patient's telehealth consent: `session_book`'s rules say so).

    Refuses (SelfBookingRefused / InvalidInput, nothing written) a dosing session, a kind
    the clinic does not offer, a clinician off the care team, a wrong length, or a start
    outside the notice and horizon. With auto-confirm the session is booked at once through
    `session_book` (its refusals unchanged) and the request is stored as confirmed; else the
    slot is checked with `session_book_check` (the first refusal is raised) and the request
    waits for an admin.
    """
    if ends_at is None:  # the clinic's length for a self-booked session
        minutes = scheduling_policy_for(patient.clinic).self_booking_minutes
        ends_at = starts_at + dt.timedelta(minutes=minutes)
    policy = _check_request(
        patient=patient, clinician=clinician, kind=kind, starts_at=starts_at, ends_at=ends_at
    )
    booking = {
        "patient": patient,
        "clinician": clinician,
        "kind": kind,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "modality": modality,
    }
    request = BookingRequest(clinic_id=patient.clinic_id, **booking)
    if policy.self_booking_auto_confirm:
        request.session = session_book(**booking)
        request.status = BookingRequestStatus.CONFIRMED
        request.decided_at = timezone.now()
    else:
        raise_first(session_book_check(**booking))
    request.full_clean()
    request.save()
    return request


def _lock_open(request: BookingRequest) -> BookingRequest:
    locked = BookingRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != BookingRequestStatus.REQUESTED:
        raise WrongState(f"This request is already {locked.get_status_display().lower()}.")
    return locked


def _tell_patient(request: BookingRequest, decision: str) -> None:
    # No PHI: only that the request was answered, and where to sign in.
    message_enqueue(
        patient=request.patient,
        kind=MessageKind.BOOKING_REQUEST_DECIDED,
        target_type="booking_request",
        target_id=request.pk,
        context={"decision": decision, "booking_url": f"{settings.SITE_URL}/portal/book/"},
    )


@transaction.atomic
def booking_request_approve(*, booking_request: BookingRequest, by: StaffMember) -> BookingRequest:
    """Book a waiting request through `session_book` and tell the patient. A slot taken
    meanwhile (or any other rule) refuses with its own error and leaves the request open,
    for the admin to decline with a message. A request already decided is WrongState."""
    request = _lock_open(booking_request)
    request.session = session_book(
        patient=request.patient,
        clinician=request.clinician,
        kind=request.kind,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        modality=request.modality,
        booked_by=by,
    )
    request.status = BookingRequestStatus.CONFIRMED
    request.decided_by, request.decided_at = by, timezone.now()
    request.full_clean()
    request.save()
    _tell_patient(request, "confirmed")
    return request


@transaction.atomic
def booking_request_decline(
    *, booking_request: BookingRequest, by: StaffMember, message: str
) -> BookingRequest:
    """Decline a waiting request with a message the patient reads in the portal."""
    message = (message or "").strip()
    if not message:
        raise InvalidInput("Tell the patient why, or what to do instead.")
    request = _lock_open(booking_request)
    request.status = BookingRequestStatus.DECLINED
    request.message = message
    request.decided_by, request.decided_at = by, timezone.now()
    request.full_clean()
    request.save()
    _tell_patient(request, "declined")
    return request


@transaction.atomic
def booking_request_withdraw(
    *, booking_request: BookingRequest, patient: Patient
) -> BookingRequest:
    """The patient takes back a request still waiting for the clinic."""
    if booking_request.patient_id != patient.pk:
        raise WrongState("This is not your request.")
    request = _lock_open(booking_request)
    request.status = BookingRequestStatus.WITHDRAWN
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at"])
    return request


SETTINGS_FIELDS = (
    "self_booking_preparation",
    "self_booking_integration",
    "self_booking_minutes",
    "self_booking_min_notice_hours",
    "self_booking_max_days_ahead",
    "self_booking_auto_confirm",
)


@transaction.atomic
def self_booking_settings_update(*, clinic, **fields) -> SchedulingPolicy:
    """Change the clinic's self-booking rules (only the fields in SETTINGS_FIELDS; dosing
    has none). Creates the clinic's policy row on first change."""
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown self-booking settings: {', '.join(sorted(unknown))}.")
    policy, _ = SchedulingPolicy.objects.select_for_update().get_or_create(clinic=clinic)
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    return policy
