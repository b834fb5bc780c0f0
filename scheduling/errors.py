from backend.errors import DomainError, InvalidInput

# ---------------------------------------------------------------------------
# Reminders and the patient message outbox
# ---------------------------------------------------------------------------


class ReminderNotResendable(DomainError):
    code = "reminder_not_resendable"


class ResponseLinkInvalid(InvalidInput):
    code = "response_link_invalid"


class CancellationWindowClosed(DomainError):
    code = "cancellation_window_closed"
