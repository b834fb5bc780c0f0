"""Choice sets of patient messages: kinds, channels, delivery status."""

from django.db import models


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
    # Sent by email only, whatever the preferences (the patient has no portal yet to set them).
    PORTAL_INVITATION = "portal_invitation", "Invitation to the patient portal"
    SECURE_MESSAGE = "secure_message", "New secure message from your care team"
    CARD_PAYMENT_FAILED = "card_payment_failed", "Card payment could not be taken"
    BOOKING_REQUEST_DECIDED = "booking_request_decided", "Your booking request was answered"
    # Says only that a document waits in the portal: no amounts, nothing clinical.
    ESTIMATE_READY = "estimate_ready", "A Good Faith Estimate is in your portal"


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
