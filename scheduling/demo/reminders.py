"""Demo reminders: every upcoming demo session has its reminders; some already went out,
one failed, and one patient has opted out of text messages. Idempotent.

Runs after the scheduling seed. If no upcoming session exists yet (the demo calendar is
empty), it books a few so that `make run` shows reminders arriving in var/outbox/: one
whose 2-hour reminder falls due a few minutes after start-up, others over the next days.
"""

import datetime

from django.utils import timezone

from messaging.choices import ChannelChoice, MessageKind, ReminderStatus
from messaging.models import MessagePreference, PatientMessaging, Reminder, ReminderSettings
from practice.models import Session
from scheduling.services.reminders import session_reminders_sync

# (patient key, kind, clinician key, starts in) for an empty demo calendar.
DEMO_SESSIONS = [
    ("eleanor", "integration", "therapist", datetime.timedelta(hours=2, minutes=3)),
    ("marcus", "dosing", "medical", datetime.timedelta(hours=26)),
    ("hannah", "preparation", "therapist2", datetime.timedelta(days=2, hours=3)),
    ("theo", "dosing", "medical", datetime.timedelta(days=5, hours=1)),
    ("ruth", "integration", "therapist", datetime.timedelta(days=4)),
]
PAST_SESSIONS = [
    ("eleanor", "dosing", "medical", datetime.timedelta(days=-6)),
    ("samir", "preparation", "therapist2", datetime.timedelta(days=-3)),
]


def _book(ctx, patient_key, kind, clinician_key, offset, status="scheduled"):
    starts = (timezone.now() + offset).replace(second=0, microsecond=0)
    patient = ctx["patients"][patient_key]
    return Session.objects.create(
        clinic=patient.clinic,
        patient=patient,
        kind=kind,
        clinician=ctx["staff"][clinician_key],
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2 if kind == "dosing" else 1),
        status=status,
        completed_at=starts + datetime.timedelta(hours=1) if status == "completed" else None,
    )


def seed(ctx: dict) -> dict:
    clinic, patients, now = ctx["clinic"], ctx["patients"], timezone.now()
    ReminderSettings.objects.get_or_create(clinic=clinic)

    # Text messages: Eleanor and Marcus agreed; Hannah opted out of SMS altogether.
    for key in ("eleanor", "marcus", "theo"):
        PatientMessaging.objects.get_or_create(
            patient=patients[key],
            defaults={"sms_consent_at": now, "share_session_type": key == "eleanor"},
        )
    PatientMessaging.objects.get_or_create(patient=patients["hannah"])
    for kind in MessageKind.values:
        MessagePreference.objects.get_or_create(
            patient=patients["hannah"], kind=kind, defaults={"channel": ChannelChoice.EMAIL}
        )

    sessions = Session.objects.filter(clinic=clinic)
    if not sessions.filter(status="scheduled", starts_at__gt=now).exists():
        for row in DEMO_SESSIONS:
            _book(ctx, *row)
    if not sessions.filter(starts_at__lt=now).exists():
        for row in PAST_SESSIONS:
            _book(ctx, *row, status="completed")

    # Every upcoming session has its reminders.
    upcoming = sessions.filter(status="scheduled", starts_at__gt=now).select_related(
        "patient__clinic"
    )
    for session in upcoming:
        session_reminders_sync(session=session)

    # Past sessions: their reminders went out (one of them failed). Written once: later
    # seeds add past sessions of their own, and a second run must change nothing.
    history = Reminder.objects.filter(clinic=clinic, status__in=["sent", "failed"])
    if history.exists():
        ctx["reminders"] = Reminder.objects.filter(clinic=clinic)
        return ctx
    past = list(sessions.filter(starts_at__lt=now).select_related("patient__clinic"))
    for session in past:
        for kind, hours in ((MessageKind.SESSION_48H, 48), (MessageKind.SESSION_2H, 2)):
            when = session.starts_at - datetime.timedelta(hours=hours)
            Reminder.objects.get_or_create(
                target_type="session",
                target_id=str(session.pk),
                kind=kind,
                channel="email",
                defaults={
                    "clinic": session.clinic,
                    "patient": session.patient,
                    "session": session,
                    "send_at": when,
                    "status": ReminderStatus.SENT,
                    "sent_at": when + datetime.timedelta(seconds=20),
                    "attempts": 1,
                    "recipient": session.patient.email,
                    "subject": f"Reminder: your appointment on {when:%B} {when.day}",
                    "body_text": "(sent before this demo started)",
                },
            )
    failed = (
        Reminder.objects.filter(clinic=clinic, session__in=past, kind=MessageKind.SESSION_2H)
        .order_by("-send_at")
        .first()
    )
    if failed and not Reminder.objects.filter(clinic=clinic, status="failed").exists():
        Reminder.objects.filter(pk=failed.pk).update(
            status=ReminderStatus.FAILED,
            sent_at=None,
            attempts=5,
            last_error=f"Gave up after 5 attempts: the mail server refused {failed.recipient} "
            "(550 mailbox unavailable).",
        )
    ctx["reminders"] = Reminder.objects.filter(clinic=clinic)
    return ctx


def sync_upcoming(ctx: dict) -> dict:
    """Run last: reminders for upcoming sessions that later seeds added (idempotent)."""
    upcoming = Session.objects.filter(
        clinic=ctx["clinic"], status="scheduled", starts_at__gt=timezone.now()
    ).select_related("patient__clinic")
    for session in upcoming:
        session_reminders_sync(session=session)
    return ctx
