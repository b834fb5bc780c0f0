"""Which messages scheduling's things get (sessions, retreat enrollments), queued through
the patient outbox (`messaging.services.outbox`), and the confirm/cancel link.

The booking services call `session_reminders_sync(session=…)` after every booking,
reschedule and cancellation, inside their transaction: it asks messaging to create, re-time
or cancel the session's reminder rows from the clinic's rules. The patient answers a session
reminder through a signed link (`session_response_link`, `session_respond`); the
cancellation window it honours is scheduling's own (`SchedulingPolicy`).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from messaging.choices import MessageKind
from messaging.services.contents import session_context as session_description
from messaging.services.outbox import QuietHours, Recipient, message_enqueue, messages_cancel
from messaging.services.rules import Rule, rules_for
from scheduling.choices import ConfirmationStatus
from scheduling.errors import CancellationWindowClosed, ResponseLinkInvalid
from scheduling.models import SessionConfirmation
from scheduling.selectors import scheduling_policy_for

SESSION_TARGET = "session"
# Which session kinds each session message applies to.
SESSION_RULE_KINDS: dict[str, frozenset[str]] = {
    MessageKind.SESSION_48H: frozenset({"preparation", "dosing", "integration"}),
    MessageKind.SESSION_2H: frozenset({"preparation", "dosing", "integration"}),
    MessageKind.DOSING_PREPARATION: frozenset({"dosing"}),
    MessageKind.INTEGRATION_FOLLOWUP: frozenset({"dosing"}),
}
# A reminder that would reach the patient less than this before the session is not sent.
MIN_LEAD = datetime.timedelta(minutes=15)
LATE_BOOKING_OVERLAP = datetime.timedelta(hours=12)
LINK_SALT = "scheduling.session-response"


def session_context(*, session, link: bool, recipient: Recipient | None = None) -> dict:
    """What a session message may say: messaging's description of the session (date, time,
    kind only if the patient agreed, fasting time), scheduling's cancellation window,
    for the reminders that carry it, the confirm/cancel link, and for a video session the
    join route ("Join by video: …") instead of the clinic's address."""
    context = session_description(
        session=session, messaging=recipient.messaging if recipient is not None else None
    )
    context["cancellation_window_hours"] = scheduling_policy_for(
        session.patient.clinic
    ).cancellation_window_hours
    if link:
        context["response_url"] = session_response_link(session=session)
    if session.is_video:
        # The join route (sign-in needed), never the provider's room link; no street address.
        context["video_join_url"] = settings.SITE_URL + reverse(
            "practice:session-join", args=[session.pk]
        )
        context["clinic_address"] = ""
    return context


def _plan_send_at(*, rule: Rule, session, now, quiet: QuietHours) -> datetime.datetime | None:
    """When the message of `rule` for `session` goes out, or None when it should not."""
    if rule.before:
        latest = session.starts_at - MIN_LEAD
        at = session.starts_at + datetime.timedelta(minutes=rule.offset_minutes)
        if latest <= now:
            return None
        # Booked late: a reminder whose time has passed goes out now.
        at = max(at, now)
        return quiet.fit(at, prefer_earlier=True, not_before=now, not_after=latest)
    at = session.ends_at + datetime.timedelta(minutes=rule.offset_minutes)
    return quiet.fit(max(at, now), prefer_earlier=False, not_before=now)


# No savepoint of its own: it runs inside the booking's transaction, which a failure here
# fails as a whole (two queries saved per call).
@transaction.atomic(savepoint=False)
def session_reminders_sync(*, session) -> None:
    """Create, re-time or cancel the reminder rows of `session` from the clinic's rules.

    Called by booking, reschedule and cancel inside their transaction. A scheduled session
    gets one row per applicable rule and channel the patient wants (an opted-out kind gets
    none); a moved session's unsent rows follow it and carry the new time; a cancelled or
    no-show session's unsent rows are cancelled. Sent rows are never touched. A reminder
    whose time has passed when booked goes out right away (only the latest of 48 h / 2 h),
    and none is timed into the patient's quiet hours. Locks the session's reminder rows.
    """
    target_id = str(session.pk)
    if session.status in ("cancelled", "no_show"):
        messages_cancel(
            target_type=SESSION_TARGET, target_id=target_id, reason="The session was cancelled."
        )
        return
    now = timezone.now()
    rules = rules_for(session.patient.clinic)
    # The patient's and the clinic's message settings, read once for all the reminders.
    recipient = Recipient(session.patient)
    quiet = QuietHours.for_patient(session.patient, recipient=recipient)
    plan: dict[str, datetime.datetime | None] = {}
    for kind, session_kinds in SESSION_RULE_KINDS.items():
        rule = rules[kind]
        if not rule.enabled or session.kind not in session_kinds:
            plan[kind] = None
        elif session.status != "scheduled" and rule.before:
            plan[kind] = None  # checked in or completed: nothing to remind of
        else:
            plan[kind] = _plan_send_at(rule=rule, session=session, now=now, quiet=quiet)
    # Booked late: a 48 h reminder whose time has passed is not worth sending when the
    # 2 h one follows within half a day (two messages in quick succession help nobody).
    two_hours = plan[MessageKind.SESSION_2H]
    nominal_48h = session.starts_at + datetime.timedelta(
        minutes=rules[MessageKind.SESSION_48H].offset_minutes
    )
    if nominal_48h < now and two_hours and two_hours <= now + LATE_BOOKING_OVERLAP:
        plan[MessageKind.SESSION_48H] = None
    dropped = [kind for kind, send_at in plan.items() if send_at is None]
    if dropped:
        messages_cancel(
            target_type=SESSION_TARGET,
            target_id=target_id,
            kinds=dropped,
            reason="Not applicable to this session any more.",
        )
    wanted = {kind: send_at for kind, send_at in plan.items() if send_at is not None}
    # One description of the session for every message; only the link differs by kind.
    shared = session_context(session=session, link=False, recipient=recipient) if wanted else {}
    for kind, send_at in wanted.items():
        context = dict(shared)
        if kind in _LINKED:
            context["response_url"] = session_response_link(session=session)
        message_enqueue(
            patient=session.patient,
            kind=kind,
            target_type=SESSION_TARGET,
            target_id=target_id,
            send_at=send_at,
            session=session,
            context=context,
            recipient=recipient,
        )


_LINKED = frozenset({MessageKind.SESSION_48H, MessageKind.SESSION_2H})


# ---------------------------------------------------------------------------------------
# Confirm or cancel from the reminder
# ---------------------------------------------------------------------------------------


def session_response_link(*, session) -> str:
    """An absolute, signed link for the patient to confirm or cancel `session`. It names the
    session and its start time; it stops working when the session starts or is moved."""
    token = signing.dumps(
        {"s": session.pk, "t": int(session.starts_at.timestamp())}, salt=LINK_SALT, compress=True
    )
    return f"{settings.SITE_URL}/r/{token}/"


def session_from_link(*, token: str):
    """The session a response link names. Raises ResponseLinkInvalid when the link was
    tampered with, the session moved or was cancelled, or it has started."""
    from practice.models import Session

    try:
        data = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature as error:
        raise ResponseLinkInvalid("This link is not valid. Please contact the clinic.") from error
    session = (
        Session.objects.select_related("patient__clinic", "confirmation")
        .filter(pk=data.get("s"))
        .first()
    )
    if session is None:
        raise ResponseLinkInvalid("This link is not valid. Please contact the clinic.")
    if int(session.starts_at.timestamp()) != data.get("t"):
        raise ResponseLinkInvalid(
            "This appointment has been moved since this message was sent; "
            "please use the link in the most recent reminder."
        )
    if session.status == "cancelled":
        raise ResponseLinkInvalid("This appointment has been cancelled.")
    if session.starts_at <= timezone.now():
        raise ResponseLinkInvalid("This link has expired: the appointment time has passed.")
    return session


def cancellation_window_open(*, session, now=None) -> bool:
    """Whether the patient may still cancel online (outside the clinic's window)."""
    now = now or timezone.now()
    hours = scheduling_policy_for(session.patient.clinic).cancellation_window_hours
    return session.starts_at - now >= datetime.timedelta(hours=hours)


@transaction.atomic
def session_respond(*, token: str, answer: str) -> SessionConfirmation:
    """Record the patient's answer to a session reminder: "confirmed" or "cancelled".

    Cancelling cancels the session (and through it its reminders) unless the clinic's
    cancellation window has begun: then CancellationWindowClosed explains the policy and
    nothing changes. Locks the session row. Raises ResponseLinkInvalid for a bad link.
    """
    from practice.models import Session

    session = session_from_link(token=token)
    session = (
        Session.objects.select_for_update().select_related("patient__clinic").get(pk=session.pk)
    )
    if answer not in ConfirmationStatus.values:
        raise ResponseLinkInvalid("Choose to confirm or to cancel the appointment.")
    if answer == ConfirmationStatus.CANCELLED:
        if not cancellation_window_open(session=session):
            raise CancellationWindowClosed(cancellation_policy(session=session))
        _cancel_session(session)
    confirmation, _ = SessionConfirmation.objects.update_or_create(
        session=session,
        defaults={
            "status": answer,
            "responded_at": timezone.now(),
            "starts_at": session.starts_at,
        },
    )
    return confirmation


def cancellation_policy(*, session) -> str:
    clinic = session.patient.clinic
    hours = scheduling_policy_for(clinic).cancellation_window_hours
    phone = f" on {clinic.phone.as_national}" if clinic.phone else ""
    return (
        f"Appointments can be cancelled online up to {hours} hours before they start. "
        f"To cancel now, please call {clinic.name}{phone}."
    )


def _cancel_session(session) -> None:
    """Cancel the session on the patient's behalf through the booking service: it frees the
    slot, promotes the waitlist and records a late cancellation."""
    # booking imports this module (session_reminders_sync): imported here to break the cycle.
    from scheduling.services.booking import session_cancel

    session_cancel(session=session, reason="Cancelled by the patient from a reminder.")


# ---------------------------------------------------------------------------------------
# Retreats
# ---------------------------------------------------------------------------------------


RETREAT_ARRIVAL = datetime.time(9, 0)


def retreat_timetable(*, retreat) -> str:
    """The retreat's days as plain lines ("Day 1, 9:00 – Preparation circle")."""
    lines = []
    for item in retreat.template.order_by("day", "start_time"):
        title = item.title or item.get_kind_display()
        lines.append(f"Day {item.day}, {item.start_time:%H:%M} – {title}")
    return "\n".join(lines) or "The clinic will share the timetable with you."


@transaction.atomic
def enrollment_reminders_sync(*, enrollment) -> None:
    """The retreat welcome (a week before, with the timetable) of one enrollment: created
    while the patient is enrolled, cancelled when they are waitlisted or cancelled. For the
    retreat services to call on enroll, promote and cancel; the hourly sweep
    (`retreat_welcomes_enqueue`) also calls it, so no enrollment is missed."""
    retreat, patient = enrollment.retreat, enrollment.patient
    target_id = str(enrollment.pk)
    tz = patient.clinic.zone
    starts_at = datetime.datetime.combine(retreat.starts_on, RETREAT_ARRIVAL, tzinfo=tz)
    now = timezone.now()
    rule = rules_for(patient.clinic)[MessageKind.RETREAT_WELCOME]
    if enrollment.status != "enrolled" or not rule.enabled or starts_at <= now:
        messages_cancel(target_type="enrollment", target_id=target_id)
        return
    quiet = QuietHours.for_patient(patient)
    at = max(starts_at + datetime.timedelta(minutes=rule.offset_minutes), now)
    message_enqueue(
        patient=patient,
        kind=MessageKind.RETREAT_WELCOME,
        target_type="enrollment",
        target_id=target_id,
        send_at=quiet.fit(at, prefer_earlier=True, not_before=now) or now,
        context={
            "retreat_name": retreat.name,
            "retreat_date": f"{starts_at:%A, %B} {starts_at.day}",
            "timetable": retreat_timetable(retreat=retreat),
        },
    )


def enrollment_message_why_not(*, reminder) -> str:
    """Why a due message about an enrollment must not go out any more ('' when it may): the
    patient is no longer enrolled. The outbox asks at send time
    (`settings.KAP_MESSAGE_RELEVANCE`), so a welcome queued while its place was being
    cancelled is skipped, not sent. Messages about anything else: ''."""
    from scheduling.models import Enrollment

    if reminder.target_type != "enrollment":
        return ""
    if Enrollment.objects.filter(pk=reminder.target_id, status="enrolled").exists():
        return ""
    return "The patient is no longer enrolled in the retreat."


def retreat_welcomes_enqueue(*, now=None) -> int:
    """Make sure every enrollment in a retreat starting within the next eight days has its
    welcome (idempotent). Returns how many enrolled places it synced."""
    from scheduling.models import Enrollment

    now = now or timezone.now()
    soon = (now + datetime.timedelta(days=8)).date()
    candidates = Enrollment.objects.filter(
        status="enrolled", retreat__starts_on__gte=now.date(), retreat__starts_on__lte=soon
    )
    count = 0
    for pk in candidates.order_by("pk").values_list("pk", flat=True):
        # Each enrollment locked and read again in its own transaction, as cancelling it
        # locks it first: a cancellation at this moment finishes first and the enrollment
        # drops out (PostgreSQL re-checks the filter on a row changed while it waited).
        # Read once up front, a place cancelled meanwhile got its welcome queued again
        # (tests/scheduling/test_retreat_welcome_race_postgres.py).
        with transaction.atomic():
            enrollment = (
                Enrollment.objects.select_for_update(of=("self",))
                .filter(pk=pk, status="enrolled")
                .select_related("retreat", "patient__clinic")
                .first()
            )
            if enrollment is not None:
                enrollment_reminders_sync(enrollment=enrollment)
                count += 1
    return count


# ---------------------------------------------------------------------------------------
# After the patient changed their preferences
# ---------------------------------------------------------------------------------------


def patient_session_reminders_resync(*, patient) -> None:
    """Re-plan the reminders of the patient's upcoming sessions (their channels, kinds and
    quiet hours changed). Messaging calls it from `messaging_preferences_update`, inside that
    transaction, through `settings.KAP_MESSAGE_REPLANNERS`."""
    from practice.models import Session

    # Each upcoming session is locked (in id order) before its reminders are re-planned, as
    # cancelling or moving it locks it first: a change of the same session at this moment
    # finishes first, and the re-plan reads its outcome. Without the lock the re-plan read
    # a session as still scheduled, waited for the cancellation's reminder rows, and then
    # queued them again: a reminder of a cancelled session (the race test in
    # tests/messaging/test_preferences_race_postgres.py). PostgreSQL re-checks the filter
    # on a row changed while it waited, so a session cancelled meanwhile drops out.
    upcoming = (
        Session.objects.select_for_update(of=("self",))
        .filter(patient=patient, status="scheduled", starts_at__gt=timezone.now())
        .select_related("patient__clinic")
        .order_by("pk")
    )
    for session in upcoming:
        session_reminders_sync(session=session)
