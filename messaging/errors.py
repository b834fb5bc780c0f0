"""Errors the messaging services raise (409 for a rule, 400 for bad input)."""

from backend.errors import DomainError, InvalidInput

__all__ = [
    "DomainError",
    "FlagNotRaised",
    "InvalidInput",
    "InvalidMessage",
    "InvalidPreference",
    "MessageImmutable",
    "NotInThread",
    "NotOnCareTeam",
    "ReminderNotResendable",
]


class ReminderNotResendable(DomainError):
    code = "reminder_not_resendable"


class InvalidPreference(InvalidInput):
    code = "invalid_preference"


class MessageImmutable(DomainError):
    code = "message_immutable"


class InvalidMessage(InvalidInput):
    code = "invalid_message"


class NotInThread(DomainError):
    """The author is not the thread's patient nor on its care team (404: a thread someone is
    not in is answered as one that does not exist)."""

    code = "not_found"
    status_code = 404


class FlagNotRaised(DomainError):
    code = "flag_not_raised"


class NotOnCareTeam(DomainError):
    """A staff member who may read the thread (an admin) but is not on the care team."""

    code = "not_on_care_team"
