"""Errors the messaging services raise (409 for a rule, 400 for bad input)."""

from backend.errors import DomainError, InvalidInput

__all__ = ["DomainError", "InvalidInput", "InvalidPreference", "ReminderNotResendable"]


class ReminderNotResendable(DomainError):
    code = "reminder_not_resendable"


class InvalidPreference(InvalidInput):
    code = "invalid_preference"
