"""Private iCalendar feeds (RFC 5545, built with the icalendar library).

A feed belongs to one clinician or one patient and is reached by a secret token in its URL;
issuing a new one revokes the old, and a revoked token answers 404. Each session is one
VEVENT whose UID never changes; SEQUENCE is the booking's revision (bumped by every
reschedule and cancellation) so calendar apps replace their copy, and a cancelled session
stays in the feed with STATUS:CANCELLED so it disappears from the subscriber's calendar.

A feed URL is a bearer secret that ends up in third-party calendar apps, so a feed carries
no patient identifier at all:
- a video session says "Video session" (a patient who agreed: "<kind> session by video")
  and never its video link, which only the join route hands out;
- a clinician's feed says "Clinic session", the room, and a link to the session page (which
  needs a login): no name, no initials, no kind;
- a patient's feed names the kind of session and the clinic only if the patient agreed
  that messages may (`PatientMessaging.share_session_type`); otherwise it says
  "Appointment" at the clinic's street address, with no clinic name.
Never a clinician note, a diagnosis or a dose.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from backend.audit import audit_access
from messaging.services.outbox import patient_messaging
from practice.choices import SessionStatus
from practice.models import Patient, Session, StaffMember
from scheduling.models import CalendarFeed

PAST = dt.timedelta(days=31)
FUTURE = dt.timedelta(days=400)


@transaction.atomic
def calendar_feed_issue(
    *, staff: StaffMember | None = None, patient: Patient | None = None
) -> CalendarFeed:
    """A new private feed URL for the owner; their previous one stops working."""
    if (staff is None) == (patient is None):
        raise ValueError("A feed belongs to exactly one clinician or one patient.")
    owner = {"staff": staff} if staff is not None else {"patient": patient}
    clinic_id = (staff or patient).clinic_id
    CalendarFeed.objects.select_for_update().filter(revoked_at__isnull=True, **owner).update(
        revoked_at=timezone.now()
    )
    return CalendarFeed.objects.create(clinic_id=clinic_id, **owner)


@transaction.atomic
def calendar_feed_revoke(*, feed: CalendarFeed) -> CalendarFeed:
    """Stop a feed URL from working (idempotent)."""
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
    return feed


def _sessions(feed: CalendarFeed):
    now = timezone.now()
    owner = Q(clinician_id=feed.staff_id) if feed.staff_id else Q(patient_id=feed.patient_id)
    return (
        Session.objects.filter(owner, starts_at__gte=now - PAST, starts_at__lt=now + FUTURE)
        .select_related("room", "patient", "clinic", "booking")
        .order_by("starts_at", "pk")
    )


def feed_ical(*, feed: CalendarFeed) -> bytes:
    """The feed as an iCalendar document."""
    cal = Calendar()
    cal.add("prodid", "-//KAP Practice//Calendar feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    for_patient = feed.patient_id is not None
    cal.add("x-wr-calname", "My sessions" if for_patient else "My clinic day")
    names_kind = for_patient and patient_messaging(feed.patient).share_session_type
    for session in _sessions(feed):
        audit_access(session)
        event = Event()
        event.add("uid", f"session-{session.pk}@kap-practice")
        event.add("dtstamp", session.updated_at)
        event.add("last-modified", session.updated_at)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        booking = getattr(session, "booking", None)
        event.add("sequence", booking.sequence if booking else 0)
        if session.is_video:
            # Never the video link (a feed travels to other calendars): the patient joins
            # from the portal, staff from the session page.
            kind = session.get_kind_display() if for_patient and names_kind else ""
            event.add("summary", f"{kind} session by video" if kind else "Video session")
            event.add("location", "Video: join from the patient portal" if for_patient else "Video")
        elif for_patient:
            address = list(session.clinic.address_lines)
            if names_kind:
                event.add("summary", f"{session.get_kind_display()} session")
                address.insert(0, session.clinic.name)
            else:
                event.add("summary", "Appointment")
            if address:
                event.add("location", ", ".join(address))
        else:
            event.add("summary", "Clinic session")
            if session.room:
                event.add("location", session.room.name)
        if not for_patient:
            link = settings.SITE_URL + reverse("practice:session-detail", args=[session.pk])
            event.add("url", link)
            event.add("description", f"Details (sign-in needed): {link}")
        cancelled = session.status == SessionStatus.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
        cal.add_component(event)
    return cal.to_ical()
