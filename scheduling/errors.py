"""Errors the scheduling services raise (409 for a conflict or rule, 400 for bad input)."""

from backend.errors import DomainError, InvalidInput

__all__ = [
    "BookingConflict",
    "CancellationWindowClosed",
    "CapacityBelowEnrolled",
    "CapacityReached",
    "DomainError",
    "InvalidInput",
    "NotCleared",
    "OutsideWorkingHours",
    "ResponseLinkInvalid",
    "RoomNotSuitable",
    "SelfBookingRefused",
    "TimetableImpossible",
    "WrongState",
]


class BookingConflict(DomainError):
    """A clinician, room or patient is already booked at that time."""

    code = "slot_taken"


class OutsideWorkingHours(DomainError):
    code = "outside_working_hours"


class RoomNotSuitable(DomainError):
    code = "room_not_suitable"


class CapacityReached(DomainError):
    code = "capacity_reached"


class CapacityBelowEnrolled(DomainError):
    """Fewer places than the patients already enrolled."""

    code = "capacity_below_enrolled"


class NotCleared(DomainError):
    code = "screening_not_cleared"


class WrongState(DomainError):
    code = "wrong_state"


class TimetableImpossible(DomainError):
    code = "timetable_impossible"


class PatientBusy(DomainError):
    """The patient's own sessions overlap what they are being booked into (extra: sessions)."""

    code = "patient_busy"


# ---------------------------------------------------------------------------
# The confirm/cancel link of a session reminder
# ---------------------------------------------------------------------------


class ResponseLinkInvalid(InvalidInput):
    code = "response_link_invalid"


class CancellationWindowClosed(DomainError):
    code = "cancellation_window_closed"


# ---------------------------------------------------------------------------
# Patients booking their own sessions
# ---------------------------------------------------------------------------


class SelfBookingRefused(DomainError):
    """The clinic's self-booking rules refuse the slot (kind, clinician, notice, horizon)."""

    code = "self_booking_refused"
