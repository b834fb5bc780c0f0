"""Booking a session or a series, and moving or cancelling one."""

import datetime as dt

from django.shortcuts import redirect
from django.views.generic import TemplateView

from backend.audit import audit_access
from backend.errors import DomainError
from backend.roles import staff_for
from backend.scoping import get_visible_or_404
from backend.views import RoleRequiredMixin, ServiceFormView, run_service
from practice.choices import SessionModality
from practice.models import Session
from scheduling.forms import BookingForm, CancelForm, RescheduleForm
from scheduling.models import SessionBooking
from scheduling.services import booking, series
from scheduling.services.availability import local_instant, wall_clock
from scheduling.views._common import (
    ADMIN_ONLY,
    calendar_url,
    clinic_of,
    flash_session_links,
    session_links,
)


class BookingView(ServiceFormView):
    """Book a session or a series; "Check" shows every conflict before anything is saved.

    Checking runs the booking's own check service (the real booking, rolled back); booking
    is one service call. A refusal is shown once, in the conflicts box above the form (with
    each refused occurrence of a series), not again as a flash message.
    """

    allowed_roles = ADMIN_ONLY
    template_name = "scheduling/book.html"
    form_class = BookingForm
    refusal: DomainError | None = None

    def get_initial(self):
        return self.request.GET.dict()

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "clinic_id": self.actor.clinic_id,
        }

    def _zone(self):
        return clinic_of(self.actor).zone

    def _request(self, form) -> tuple[bool, dict]:
        """(is a series, the keyword arguments of its booking service)."""
        data = form.cleaned_data
        starts_at = local_instant(data["date"], data["start_time"], self._zone())
        common = {
            "patient": data["patient"],
            "clinician": data["clinician"],
            "kind": data["kind"],
            "room": data["room"],
            "modality": data.get("modality") or SessionModality.IN_PERSON,
            "booked_by": staff_for(self.request.user),
        }
        if data.get("repeat_every_days"):
            return True, {
                **common,
                "first_starts_at": starts_at,
                "duration_minutes": data["duration"],
                "interval_days": data["repeat_every_days"],
                "occurrences": data.get("occurrences"),
                "skip": frozenset(int(i) for i in self.request.POST.getlist("skip")),
            }
        return False, {
            **common,
            "starts_at": starts_at,
            "ends_at": starts_at + dt.timedelta(minutes=data["duration"]),
        }

    def form_valid(self, form):
        if self.request.POST.get("action") != "check":
            return super().form_valid(form)
        is_series, kwargs = self._request(form)
        context = {"form": form}
        if is_series:
            check = series.series_book_check(**kwargs)
            if check.ok:
                context["checked"] = True
            else:
                context.update(problems=[check.refusal], series_problems=check.refused)
        else:
            problems = booking.session_book_check(**kwargs)
            context.update(
                problems=[p.message for p in problems],
                checked=not problems,
                problem_links=[
                    link for p in problems for link in session_links(self.request.user, p)
                ],
            )
        return self.render_to_response(self.get_context_data(**context))

    def call(self, form):
        is_series, kwargs = self._request(form)
        try:
            return (series.series_book if is_series else booking.session_book)(**kwargs)
        except DomainError as error:
            self.refusal = error  # shown in the conflicts box; the base class shows the form
            raise

    def get_success_message(self, result) -> str:
        if isinstance(result, Session):
            return "Session booked."
        return f"Booked a series of {result.bookings.count()} sessions."

    def redirect_to(self, result):
        starts_at = result.starts_at if isinstance(result, Session) else result.first_starts_at
        return calendar_url(starts_at, clinic_of(self.actor))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.refusal is not None:
            context["problems"] = [self.refusal.message]
            context["problem_links"] = session_links(self.request.user, self.refusal)
            context["refused"] = True
            context["series_problems"] = self.refusal.extra.get("occurrences")
        return context


class SessionManageView(RoleRequiredMixin, TemplateView):
    """Move or cancel one session (and, for a series, the ones after it)."""

    allowed_roles = ADMIN_ONLY
    template_name = "scheduling/session_manage.html"

    def get_session(self) -> Session:
        return get_visible_or_404(
            Session.objects.select_related("patient", "clinician__user", "room", "clinic"),
            user=self.request.user,
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = context.get("session") or self.get_session()
        if self.request.method == "GET":
            audit_access(session)
        zone = session.clinic.zone
        local = session.clinic.local(session.starts_at)
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
                    "modality": session.modality,
                    "clinician": session.clinician_id,
                },
                clinic_id=session.clinic_id,
            ),
        )
        context.setdefault("cancel_form", CancelForm())
        return context

    def post(self, request, *args, **kwargs):
        session = self.get_session()
        zone = session.clinic.zone
        staff = staff_for(request.user)
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
                    return redirect(calendar_url(session.starts_at, session.clinic))
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
                    modality=data.get("modality") or None,
                    by=staff,
                )
            if not error:
                return redirect(calendar_url(starts_at, session.clinic))
            flash_session_links(request, error)
        return self.render_to_response(self.get_context_data(session=session, reschedule_form=form))
