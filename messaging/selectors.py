"""Reads of the outbox, scoped to who is asking."""

import datetime as dt

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from messaging.choices import ReminderStatus
from messaging.models import PatientMessaging, Reminder, Thread, ThreadMessage, ThreadRead


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


def _unread(user):
    """True where the thread has a message newer than what `user` has read."""
    return ExpressionWrapper(_unread_q(user), output_field=BooleanField())


def thread_list(*, user) -> QuerySet[Thread]:
    """The threads `user` may see, each annotated `unread` for them: flagged first, then
    unread, then the newest. The patient (and clinic, for the banner) in the same query."""
    return (
        Thread.objects.visible_to(user)
        .select_related("patient", "clinic")
        .annotate(unread=_unread(user))
        .order_by("-flagged", "-unread", "-last_message_at", "-id")
    )


def thread_unread_count(*, user) -> int:
    """How many threads `user` may see have a message they have not read (one query)."""
    return Thread.objects.visible_to(user).filter(_unread_q(user)).count()


def _unread_q(user):
    read_upto = ThreadRead.objects.filter(
        thread_id=OuterRef("pk"), user=user, last_read_message_id__gte=OuterRef("last_message_id")
    )
    return Q(last_message__isnull=False) & ~Exists(read_upto)


def thread_messages(*, thread) -> QuerySet[ThreadMessage]:
    """The messages of a thread in order, with who wrote each (the staff member's name)."""
    return (
        ThreadMessage.objects.filter(thread=thread)
        .select_related("author_staff__user")
        .order_by("sent_at", "id")
    )


def thread_messages_of_patient(*, user, patient_id) -> QuerySet[ThreadMessage]:
    """Every secure message of the patient's threads that `user` may see, thread by thread
    in order, with the thread and the staff author loaded (one query): the record's copy."""
    return (
        ThreadMessage.objects.visible_to(user)
        .filter(thread__patient_id=patient_id)
        .select_related("thread", "author_staff__user")
        .order_by("thread__created_at", "thread_id", "sent_at", "id")
    )
