"""Reads of the outbox, scoped to who is asking."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from messaging.choices import ReminderStatus
from messaging.models import PatientMessaging, Reminder


def reminder_list(*, user) -> QuerySet[Reminder]:
    """The delivery log `user` may see (admins: their clinic; a patient: their own), newest
    first, with patient and session loaded in the same query."""
    return (
        Reminder.objects.visible_to(user)
        .select_related("patient", "session")
        .order_by("-send_at", "-id")
    )


def reminders_upcoming(*, patient, limit: int = 10) -> QuerySet[Reminder]:
    """Messages still to go to `patient`, soonest first."""
    return (
        Reminder.objects.filter(patient=patient, status=ReminderStatus.PENDING)
        .filter(send_at__gte=timezone.now() - dt.timedelta(minutes=5))
        .select_related("session")
        .order_by("send_at", "id")[:limit]
    )


def session_reminders(*, session) -> QuerySet[Reminder]:
    return Reminder.objects.filter(session=session).order_by("send_at", "kind", "channel")


def patient_messaging_get(*, patient) -> PatientMessaging | None:
    """The patient's messaging consent and preferences, if they ever set any."""
    return PatientMessaging.objects.filter(patient=patient).first()
