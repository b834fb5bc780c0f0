from django.db import models

# ---------------------------------------------------------------------------
# Reminders and the patient message outbox
# ---------------------------------------------------------------------------


class MessageKind(models.TextChoices):
    """Every kind of message the clinic sends a patient. One outbox serves them all."""

    SESSION_48H = "session_48h", "Session reminder (2 days before)"
    SESSION_2H = "session_2h", "Session reminder (2 hours before)"
    DOSING_PREPARATION = "dosing_preparation", "Dosing preparation instructions"
    INTEGRATION_FOLLOWUP = "integration_followup", "Day-after integration follow-up"
    QUESTIONNAIRE_INVITATION = "questionnaire_invitation", "Questionnaire invitation"
    RETREAT_WELCOME = "retreat_welcome", "Retreat welcome"
    WAITLIST_PROMOTION = "waitlist_promotion", "Waitlist place offered"
    SUPERBILL_ISSUED = "superbill_issued", "Superbill ready"
    PAYMENT_PLAN_INSTALMENT = "payment_plan_instalment", "Payment plan instalment due"


# Kinds that belong to one session and carry its confirm/cancel link.
SESSION_KINDS = frozenset(
    {
        MessageKind.SESSION_48H,
        MessageKind.SESSION_2H,
        MessageKind.DOSING_PREPARATION,
        MessageKind.INTEGRATION_FOLLOWUP,
    }
)
CONFIRMABLE_KINDS = frozenset({MessageKind.SESSION_48H, MessageKind.SESSION_2H})


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message (SMS)"


class ChannelChoice(models.TextChoices):
    """What a patient chose for one kind of message."""

    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    BOTH = "both", "Email and text message"
    NONE = "none", "Don't send"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    SKIPPED = "skipped", "Skipped"


class ConfirmationStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed by patient"
    CANCELLED = "cancelled", "Cancelled by patient"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ExceptionKind(models.TextChoices):
    TIME_OFF = "time_off", "Time off"
    EXTRA_HOURS = "extra_hours", "Extra hours"


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", "Enrolled"
    WAITLISTED = "waitlisted", "Waitlisted"
    CANCELLED = "cancelled", "Cancelled"
