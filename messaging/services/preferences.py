"""How a patient wants to hear from the clinic."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from messaging.choices import ChannelChoice, MessageKind, ReminderStatus
from messaging.errors import InvalidPreference
from messaging.models import MessagePreference, PatientMessaging, Reminder
from messaging.services.hooks import settings_hooks


def _replanners():
    """The functions that re-plan a patient's upcoming messages after their preferences
    changed (`settings.KAP_MESSAGE_REPLANNERS`, dotted paths): each app that queues messages
    about its own things (scheduling: sessions) names one, so messaging calls it without
    importing the app above it."""
    return settings_hooks("KAP_MESSAGE_REPLANNERS")


@transaction.atomic
def messaging_preferences_update(
    *,
    patient,
    channels: dict[str, str],
    sms_consent: bool,
    share_session_type: bool,
    quiet_hours_start: datetime.time | None = None,
    quiet_hours_end: datetime.time | None = None,
) -> PatientMessaging:
    """Save how `patient` wants to hear from the clinic and apply it to what is not sent yet.

    `channels` maps a message kind to email | sms | both | none. SMS consent is recorded
    with its date when given (kept when given again) and cleared when withdrawn. Quiet
    hours are both set or both empty. The patient's upcoming messages are re-planned by the
    apps that queued them (`KAP_MESSAGE_REPLANNERS`), and an opted-out kind's unsent rows are
    cancelled. Locks the patient's messaging row. Raises InvalidPreference (400) for an
    unknown kind or channel, half-given quiet hours, or SMS without a phone number.
    """
    unknown = [k for k in channels if k not in MessageKind.values]
    bad = [v for v in channels.values() if v not in ChannelChoice.values]
    if unknown or bad:
        raise InvalidPreference("Choose email, text message, both or none for each message.")
    if (quiet_hours_start is None) != (quiet_hours_end is None):
        raise InvalidPreference("Give both the start and the end of your quiet hours, or neither.")
    messaging, _ = PatientMessaging.objects.select_for_update().get_or_create(patient=patient)
    if sms_consent and not patient.phone:
        raise InvalidPreference("Add a mobile number to your record before choosing text messages.")
    if sms_consent and messaging.sms_consent_at is None:
        messaging.sms_consent_at = timezone.now()
    elif not sms_consent:
        messaging.sms_consent_at = None
    messaging.share_session_type = share_session_type
    messaging.quiet_hours_start = quiet_hours_start
    messaging.quiet_hours_end = quiet_hours_end
    messaging.full_clean()
    messaging.save()
    # One read of the patient's choices, then a write only for a kind whose channel changed
    # (saved one by one, so each change keeps its entry in the change log); a form that
    # resends every kind unchanged costs one query here, not four per kind. The patient's
    # messaging row, locked above, serialises two saves of the same patient.
    chosen = {p.kind: p for p in MessagePreference.objects.filter(patient=patient)}
    for kind, channel in channels.items():
        preference = chosen.get(kind)
        if preference is None:
            MessagePreference.objects.create(patient=patient, kind=kind, channel=channel)
        elif preference.channel != channel:
            preference.channel = channel
            preference.save(update_fields=["channel", "updated_at"])
    for replan in _replanners():
        replan(patient=patient)
    opted_out = [kind for kind, channel in channels.items() if channel == ChannelChoice.NONE]
    Reminder.objects.filter(
        patient=patient, kind__in=opted_out, status=ReminderStatus.PENDING
    ).update(status=ReminderStatus.CANCELLED, last_error="The patient opted out.")
    return messaging
