"""The calendar and the free-slot search."""

import datetime as dt

from django.views.generic import TemplateView

from backend.roles import STAFF_ROLES
from backend.views import RoleRequiredMixin
from practice.models import Patient
from scheduling import calendar, selectors
from scheduling.forms import FreeSlotForm
from scheduling.services.availability import local_instant, wall_clock
from scheduling.views._common import clinic_of


class CalendarView(RoleRequiredMixin, TemplateView):
    """Day or week calendar by room or by clinician (the grid comes from
    `scheduling.calendar`)."""

    allowed_roles = STAFF_ROLES
    template_name = "scheduling/calendar.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        clinic = clinic_of(self.actor)
        try:
            day = dt.date.fromisoformat(self.request.GET.get("date", ""))
        except ValueError:
            day = clinic.today()
        by = "clinician" if self.request.GET.get("by") == "clinician" else "room"
        read = (
            calendar.calendar_week
            if self.request.GET.get("view") == "week"
            else (calendar.calendar_day)
        )
        context.update(read(user=self.request.user, clinic=clinic, day=day, by=by))
        return context


class FreeSlotView(RoleRequiredMixin, TemplateView):
    """The next free slots where a clinician (or any therapist) and a room are free."""

    allowed_roles = STAFF_ROLES
    template_name = "scheduling/slots.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        clinic = clinic_of(self.actor)
        zone = clinic.zone
        today = clinic.today()
        data = self.request.GET if "start" in self.request.GET else None
        form = FreeSlotForm(
            data,
            initial={"start": today, "end": today + dt.timedelta(days=28)},
            clinic_id=clinic.pk,
            patients=Patient.objects.visible_to(self.request.user),
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
