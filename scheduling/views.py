"""Scheduling pages: calendar, booking form, free-slot search, session actions, retreats,
calendar feeds. Thin: they read through selectors and write through services."""

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from backend.audit import audit_access
from backend.errors import DomainError
from backend.pdf import render_pdf
from backend.roles import ADMIN, CLINICIAN_ROLES, PATIENT, STAFF_ROLES
from backend.views import RoleRequiredMixin, run_service
from practice.models import Clinic, Patient, Room, Session, StaffMember
from scheduling import selectors
from scheduling.choices import ConfirmationStatus, EnrollmentStatus
from scheduling.errors import CancellationWindowClosed, ResponseLinkInvalid
from scheduling.forms import BookingForm, CancelForm, EnrollForm, FreeSlotForm, RescheduleForm
from scheduling.models import (
    CalendarFeed,
    Enrollment,
    RetreatSession,
    SessionBooking,
    SessionConfirmation,
)
from scheduling.services import booking, feeds, retreats, series
from scheduling.services.availability import (
    clinic_zone,
    local_instant,
    wall_clock,
    working_intervals,
)
from scheduling.services.reminders import (
    cancellation_policy,
    cancellation_window_open,
    session_context,
    session_from_link,
    session_respond,
)

ADMIN_ONLY = frozenset({ADMIN})
DAY_START, DAY_END = 7, 21  # hours shown on the day calendar
PX_PER_MIN = 1


def _clinic(actor) -> Clinic:
    return Clinic.objects.get(pk=actor.clinic_id)


class CalendarView(RoleRequiredMixin, TemplateView):
    """Day or week calendar by room or by clinician."""

    allowed_roles = STAFF_ROLES
    template_name = "scheduling/calendar.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        clinic = _clinic(self.actor)
        zone = clinic_zone(clinic)
        today = timezone.now().astimezone(zone).date()
        try:
            day = dt.date.fromisoformat(self.request.GET.get("date", ""))
        except ValueError:
            day = today
        mode = "week" if self.request.GET.get("view") == "week" else "day"
        by = "clinician" if self.request.GET.get("by") == "clinician" else "room"
        first = day - dt.timedelta(days=day.weekday()) if mode == "week" else day
        days = [first + dt.timedelta(days=i) for i in range(7 if mode == "week" else 1)]
        start = local_instant(days[0], dt.time(0), zone)
        end = local_instant(days[-1] + dt.timedelta(days=1), dt.time(0), zone)
        sessions = list(selectors.session_range(user=self.request.user, start=start, end=end))

        if by == "room":
            resources = [
                (r.pk, r.name, "dosing" if r.dosing_capable else "")
                for r in Room.objects.for_clinic(clinic.pk).filter(is_active=True)
            ]
            key = "room_id"
        else:
            staff = list(
                StaffMember.objects.for_clinic(clinic.pk)
                .filter(is_active=True, role__in=CLINICIAN_ROLES)
                .select_related("user")
            )
            hours = working_intervals(
                clinic=clinic, clinician_ids=[s.pk for s in staff], start=start, end=end
            )
            resources = [
                (
                    s.pk,
                    s.display_name,
                    ", ".join(
                        f"{a.astimezone(zone):%H:%M}–{b.astimezone(zone):%H:%M}"
                        for a, b in hours[s.pk]
                    )
                    if mode == "day"
                    else "",
                )
                for s in staff
            ]
            key = "clinician_id"

        # One event per booking: a group's attendees collapse into one block.
        events = {}
        for s in sessions:
            event = events.setdefault(
                (s.booking_key, getattr(s, key)),
                {"session": s, "patients": [], "cancelled": 0, "resource": getattr(s, key)},
            )
            if s.status == "cancelled":
                event["cancelled"] += 1
            else:
                event["patients"].append(s.patient)
        columns = []
        for pk, name, note in resources:
            mine = [e for e in events.values() if e["resource"] == pk]
            per_day = []
            for d in days:
                day_events = []
                for e in sorted(mine, key=lambda e: e["session"].starts_at):
                    s = e["session"]
                    local = s.starts_at.astimezone(zone)
                    if local.date() != d:
                        continue
                    if not e["patients"]:
                        continue  # a cancelled booking frees its slot: not drawn
                    top = ((local.hour - DAY_START) * 60 + local.minute) * PX_PER_MIN
                    day_events.append(
                        {
                            **e,
                            "local_start": wall_clock(s.starts_at, zone),
                            "local_end": wall_clock(s.ends_at, zone),
                            "top": max(top, 0),
                            "height": max(s.duration_minutes * PX_PER_MIN, 22),
                        }
                    )
                per_day.append({"day": d, "events": day_events})
            columns.append({"pk": pk, "name": name, "note": note, "days": per_day})
        context.update(
            {
                "mode": mode,
                "by": by,
                "day": day,
                "days": days,
                "columns": columns,
                "hours": [f"{h:02d}:00" for h in range(DAY_START, DAY_END)],
                "grid_height": (DAY_END - DAY_START) * 60 * PX_PER_MIN,
                "previous": (days[0] - dt.timedelta(days=len(days))).isoformat(),
                "next": (days[0] + dt.timedelta(days=len(days))).isoformat(),
                "today": today,
                "zone": zone,
                "unroomed": sum(1 for s in sessions if s.room_id is None) if by == "room" else 0,
            }
        )
        return context


def _booking_kwargs(form, zone) -> dict:
    data = form.cleaned_data
    starts_at = local_instant(data["date"], data["start_time"], zone)
    return {
        "patient": data["patient"],
        "clinician": data["clinician"],
        "kind": data["kind"],
        "starts_at": starts_at,
        "ends_at": starts_at + dt.timedelta(minutes=data["duration"]),
        "room": data["room"],
    }


class BookingView(RoleRequiredMixin, TemplateView):
    """Book a session or a series; "Check" shows every conflict before anything is saved."""

    allowed_roles = ADMIN_ONLY
    template_name = "scheduling/book.html"

    def _form(self, data=None):
        return BookingForm(
            data,
            initial=self.request.GET.dict(),
            user=self.request.user,
            clinic_id=self.actor.clinic_id,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self._form())
        return context

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        context = {"form": form}
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(**context))
        zone = clinic_zone(_clinic(self.actor))
        kwargs = _booking_kwargs(form, zone)
        staff = request.user.staff_member
        every, count = (
            form.cleaned_data.get("repeat_every_days"),
            form.cleaned_data.get("occurrences"),
        )
        checking = request.POST.get("action") == "check"
        if every:
            series_kwargs = {
                "patient": kwargs["patient"],
                "clinician": kwargs["clinician"],
                "kind": kwargs["kind"],
                "room": kwargs["room"],
                "first_starts_at": kwargs["starts_at"],
                "duration_minutes": form.cleaned_data["duration"],
                "interval_days": every,
                "occurrences": count,
                "booked_by": staff,
                "skip": frozenset(int(i) for i in request.POST.getlist("skip")),
            }
            try:
                with transaction.atomic():
                    created = series.series_book(**series_kwargs)
                    if checking:
                        context["checked"] = True
                        transaction.set_rollback(True)
            except series.SeriesConflicts as error:
                context["series_problems"] = error.extra["occurrences"]
                context["problems"] = [error.message]
                context["zone"] = zone
                return self.render_to_response(self.get_context_data(**context))
            except DomainError as error:
                context["problems"] = [error.message]
                return self.render_to_response(self.get_context_data(**context))
            if checking:
                return self.render_to_response(self.get_context_data(**context))
            messages.success(request, f"Booked a series of {created.bookings.count()} sessions.")
            return redirect(_calendar_url(kwargs["starts_at"], zone))
        if checking:
            problems = booking.session_book_check(**kwargs, booked_by=staff)
            context["problems"] = [p.message for p in problems]
            context["checked"] = not problems
            return self.render_to_response(self.get_context_data(**context))
        try:
            session = booking.session_book(booked_by=staff, **kwargs)
        except DomainError as error:
            # Shown once, in the conflicts box above the form (as for a series), not again
            # as a flash message.
            context["problems"] = [error.message]
            return self.render_to_response(self.get_context_data(**context))
        messages.success(request, "Session booked.")
        return redirect(_calendar_url(session.starts_at, zone))


def _calendar_url(when, zone, by="room"):
    return f"{reverse('scheduling:calendar')}?date={when.astimezone(zone).date()}&by={by}"


class FreeSlotView(RoleRequiredMixin, TemplateView):
    """The next free slots where a clinician (or any therapist) and a room are free."""

    allowed_roles = STAFF_ROLES
    template_name = "scheduling/slots.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        clinic = _clinic(self.actor)
        zone = clinic_zone(clinic)
        today = timezone.now().astimezone(zone).date()
        data = self.request.GET if "start" in self.request.GET else None
        form = FreeSlotForm(
            data,
            initial={"start": today, "end": today + dt.timedelta(days=28)},
            clinic_id=clinic.pk,
            patients=Patient.objects.visible_to(self.request.user).order_by(
                "legal_last_name", "legal_first_name"
            ),
        )
        context["form"] = form
        if data is not None and form.is_valid():
            q = form.cleaned_data
            slots = selectors.free_slots(
                clinic=clinic,
                start=local_instant(q["start"], dt.time(0), zone),
                end=local_instant(q["end"] + dt.timedelta(days=1), dt.time(0), zone),
                length=dt.timedelta(minutes=q["duration"]),
                count=q["count"],
                clinicians=[q["clinician"]] if q["clinician"] else None,
                room_needed=None if q["room"] == "none" else q["room"],
                patient=q["patient"],
            )
            context["slots"] = [
                {
                    "slot": s,
                    "local": wall_clock(s.starts_at, zone),
                    "local_end": wall_clock(s.ends_at, zone),
                }
                for s in slots
            ]
            context["duration"] = q["duration"]
            context["patient"] = q["patient"]
        return context


class SessionManageView(RoleRequiredMixin, TemplateView):
    """Move or cancel one session (and, for a series, the ones after it)."""

    allowed_roles = ADMIN_ONLY
    template_name = "scheduling/session_manage.html"

    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def get_session(self) -> Session:
        session = get_object_or_404(
            Session.objects.visible_to(self.request.user).select_related(
                "patient", "clinician__user", "room", "clinic"
            ),
            pk=self.kwargs["pk"],
        )
        return session

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = context.get("session") or self.get_session()
        if self.request.method == "GET":
            audit_access(session)
        zone = clinic_zone(session.clinic)
        local = session.starts_at.astimezone(zone)
        booking_row = SessionBooking.objects.filter(session=session).first()
        context.update(
            {
                "session": session,
                "local_start": wall_clock(session.starts_at, zone),
                "local_end": wall_clock(session.ends_at, zone),
                "booking": booking_row,
                "in_series": bool(booking_row and booking_row.series_id),
                "group": Session.objects.filter(booking_key=session.booking_key)
                .exclude(pk=session.pk)
                .select_related("patient"),
            }
        )
        context.setdefault(
            "reschedule_form",
            RescheduleForm(
                initial={
                    "date": local.date(),
                    "start_time": local.time(),
                    "duration": session.duration_minutes,
                    "room": session.room_id,
                    "clinician": session.clinician_id,
                },
                clinic_id=session.clinic_id,
            ),
        )
        context.setdefault("cancel_form", CancelForm())
        return context

    def post(self, request, *args, **kwargs):
        session = self.get_session()
        zone = clinic_zone(session.clinic)
        staff = request.user.staff_member
        if request.POST.get("action") == "cancel":
            form = CancelForm(request.POST)
            if form.is_valid():
                fn = (
                    series.series_cancel_from
                    if form.cleaned_data["cancel_series"]
                    else booking.session_cancel
                )
                _, error = run_service(
                    request,
                    fn,
                    success="Cancelled.",
                    session=session,
                    reason=form.cleaned_data["reason"],
                    by=staff,
                )
                if not error:
                    return redirect(_calendar_url(session.starts_at, zone))
            return self.render_to_response(self.get_context_data(session=session, cancel_form=form))
        form = RescheduleForm(request.POST, clinic_id=session.clinic_id)
        if form.is_valid():
            data = form.cleaned_data
            starts_at = local_instant(data["date"], data["start_time"], zone)
            if data["apply_to_series"]:
                _, error = run_service(
                    request,
                    series.series_change_from,
                    success="Series moved.",
                    session=session,
                    starts_at=starts_at,
                    duration_minutes=data["duration"],
                    clinician=data["clinician"],
                    room=data["room"],
                    by=staff,
                )
            else:
                _, error = run_service(
                    request,
                    booking.session_reschedule,
                    success="Session moved.",
                    session=session,
                    starts_at=starts_at,
                    ends_at=starts_at + dt.timedelta(minutes=data["duration"]),
                    clinician=data["clinician"],
                    room=data["room"],
                    by=staff,
                )
            if not error:
                return redirect(_calendar_url(starts_at, zone))
        return self.render_to_response(self.get_context_data(session=session, reschedule_form=form))


# --- retreats ----------------------------------------------------------------------------


class RetreatListView(RoleRequiredMixin, TemplateView):
    allowed_roles = STAFF_ROLES
    template_name = "scheduling/retreat_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["retreats"] = selectors.retreat_list(user=self.request.user)
        return context


def _timetable(retreat, zone):
    """Day → item → groups of attendees, for the retreat page and the printed roster."""
    entries = (
        RetreatSession.objects.filter(enrollment__retreat=retreat)
        .exclude(session__status="cancelled")
        .select_related("session__room", "session__clinician__user", "enrollment__patient", "item")
        .order_by("item__day", "item__start_time", "session__room__name")
    )
    days = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    items = {}
    for entry in entries:
        s = entry.session
        items[entry.item_id] = entry.item
        days[entry.item.day][entry.item_id][(s.room, s.clinician)].append(entry.enrollment.patient)
    result = []
    for day in sorted(days):
        date = retreat.starts_on + dt.timedelta(days=day - 1)
        rows = []
        for item_id, groups in sorted(days[day].items(), key=lambda kv: items[kv[0]].start_time):
            item = items[item_id]
            rows.append(
                {
                    "item": item,
                    "groups": [
                        {"room": room, "clinician": clinician, "patients": patients}
                        for (room, clinician), patients in groups.items()
                    ],
                }
            )
        result.append({"day": day, "date": date, "rows": rows})
    return result


class RetreatDetailView(RoleRequiredMixin, TemplateView):
    """Roster, waitlist, template and timetable of a retreat, with the admin's actions."""

    allowed_roles = STAFF_ROLES
    template_name = "scheduling/retreat_detail.html"

    def get_retreat(self):
        try:
            return selectors.retreat_get(user=self.request.user, pk=self.kwargs["pk"])
        except Exception as exc:  # DoesNotExist: another clinic's retreat is simply not there
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        retreat = self.get_retreat()
        zone = clinic_zone(_clinic(self.actor))
        rows = list(selectors.enrollment_list(user=self.request.user, retreat=retreat))
        context.update(
            {
                "retreat": retreat,
                "enrolled": [e for e in rows if e.status == EnrollmentStatus.ENROLLED],
                "waitlisted": [e for e in rows if e.status == EnrollmentStatus.WAITLISTED],
                "cancelled": [e for e in rows if e.status == EnrollmentStatus.CANCELLED],
                "timetable": _timetable(retreat, zone),
                "enroll_form": kwargs.get("enroll_form") or EnrollForm(user=self.request.user),
                "is_admin": self.actor.role == ADMIN,
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if self.actor.role != ADMIN:
            raise Http404
        retreat = self.get_retreat()
        staff = request.user.staff_member
        action = request.POST.get("action")
        if action == "enroll":
            form = EnrollForm(request.POST, user=request.user)
            if form.is_valid():
                enrollment, _ = run_service(
                    request,
                    retreats.enrollment_create,
                    retreat=retreat,
                    patient=form.cleaned_data["patient"],
                )
                if enrollment:
                    messages.success(
                        request,
                        f"{enrollment.patient.full_name} is "
                        + (
                            "enrolled."
                            if enrollment.status == EnrollmentStatus.ENROLLED
                            else f"waitlisted (position {enrollment.position})."
                        ),
                    )
        elif action == "cancel":
            enrollment = get_object_or_404(
                Enrollment.objects.visible_to(request.user),
                pk=request.POST.get("enrollment"),
                retreat=retreat,
            )
            promoted, error = run_service(
                request, retreats.enrollment_cancel, enrollment=enrollment, by=staff
            )
            if not error:
                messages.success(
                    request,
                    f"{enrollment.patient.full_name}'s place is cancelled."
                    + (
                        f" {promoted.patient.full_name} moves up from the waitlist and has been"
                        " notified."
                        if promoted
                        else ""
                    ),
                )
        elif action == "generate":
            result, _ = run_service(request, retreats.timetable_generate, retreat=retreat, by=staff)
            if result:
                messages.success(
                    request,
                    f"Timetable up to date: {result.created} sessions booked, {result.kept} "
                    f"kept, {result.cancelled} cancelled.",
                )
        elif action == "default_template":
            run_service(
                request,
                retreats.retreat_template_default,
                retreat=retreat,
                success="The standard daily template is set.",
            )
        return redirect("scheduling:retreat-detail", pk=retreat.pk)


class RetreatRosterPdfView(RetreatDetailView):
    """The printable roster: who is coming, the waitlist and the timetable."""

    allowed_roles = ADMIN_ONLY

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        context["printed_at"] = wall_clock(timezone.now(), clinic_zone(_clinic(self.actor)))
        pdf = render_pdf("scheduling/retreat_roster_pdf.html", context)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="retreat-{context["retreat"].pk}-roster.pdf"'
        )
        return response


class RetreatCreateView(RoleRequiredMixin, TemplateView):
    allowed_roles = ADMIN_ONLY
    template_name = "scheduling/retreat_form.html"

    def get_context_data(self, **kwargs):
        from scheduling.forms_retreat import RetreatForm

        context = super().get_context_data(**kwargs)
        context.setdefault("form", RetreatForm(clinic_id=self.actor.clinic_id))
        return context

    def post(self, request, *args, **kwargs):
        from scheduling.forms_retreat import RetreatForm

        form = RetreatForm(request.POST, clinic_id=self.actor.clinic_id)
        if form.is_valid():
            data = dict(form.cleaned_data)
            use_template = data.pop("standard_template")
            with transaction.atomic():
                retreat, _ = run_service(
                    request,
                    retreats.retreat_create,
                    clinic=_clinic(self.actor),
                    success="Retreat created.",
                    **data,
                )
                if retreat and use_template:
                    retreats.retreat_template_default(retreat=retreat)
            if retreat:
                return redirect("scheduling:retreat-detail", pk=retreat.pk)
        return self.render_to_response(self.get_context_data(form=form))


# --- calendar feeds ----------------------------------------------------------------------


class FeedIssueView(RoleRequiredMixin, View):
    """Issue (or replace) the signed-in person's own private calendar URL, or revoke it."""

    allowed_roles = STAFF_ROLES | {PATIENT}

    def post(self, request):
        owner = (
            {"patient": request.user.patient}
            if self.actor.role == PATIENT
            else {"staff": request.user.staff_member}
        )
        if request.POST.get("action") == "revoke":
            feed = selectors.live_feed(**owner)
            if feed:
                feeds.calendar_feed_revoke(feed=feed)
            messages.success(request, "Your calendar link no longer works.")
        else:
            feeds.calendar_feed_issue(**owner)
            messages.success(
                request, "Your new calendar link is ready; any previous link stopped working."
            )
        return redirect(request.POST.get("next") or "home")


def feed_ics(request, token: str):
    """The iCalendar document behind a private feed URL (no login: the token is the key)."""
    feed = CalendarFeed.objects.filter(token=token, revoked_at__isnull=True).first()
    if feed is None:
        raise Http404
    response = HttpResponse(feeds.feed_ical(feed=feed), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="kap-sessions.ics"'
    return response


def session_response(request, token):
    """The page a session reminder links to: confirm, or cancel outside the clinic's window.
    The signed token is the credential; no login is needed."""
    try:
        session = session_from_link(token=token)
    except ResponseLinkInvalid as error:
        return render(request, "scheduling/response.html", {"error": error.message}, status=400)
    outcome = None
    if request.method == "POST":
        try:
            outcome = session_respond(token=token, answer=request.POST.get("answer", ""))
        except CancellationWindowClosed as error:
            messages.error(request, error.message)
        except ResponseLinkInvalid as error:
            messages.error(request, error.message)
        session.refresh_from_db()
    context = {
        "session": session,
        "details": session_context(session=session, link=False),
        "clinic": session.patient.clinic,
        "can_cancel": cancellation_window_open(session=session),
        "policy": cancellation_policy(session=session),
        "outcome": outcome,
        "confirmation": SessionConfirmation.objects.filter(session=session).first(),
        "statuses": ConfirmationStatus,
    }
    return render(request, "scheduling/response.html", context)
