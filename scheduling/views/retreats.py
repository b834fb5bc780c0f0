"""Retreats: the list, a retreat's roster and timetable with the admin's actions, the
printed roster, and a new retreat."""

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from backend.pdf import render_pdf
from backend.roles import ADMIN, STAFF_ROLES, staff_for
from backend.scoping import get_visible_or_404
from backend.views import ProgressPageMixin, RoleRequiredMixin, ServiceFormView, run_service
from scheduling import selectors
from scheduling.choices import EnrollmentStatus
from scheduling.forms import EnrollForm, RetreatForm
from scheduling.models import Enrollment, RetreatSession, TimetableRun
from scheduling.services import retreats
from scheduling.services.availability import wall_clock
from scheduling.views._common import ADMIN_ONLY, clinic_of, flash_session_links, sessions_linked


class RetreatListView(RoleRequiredMixin, TemplateView):
    allowed_roles = STAFF_ROLES
    template_name = "scheduling/retreat_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["retreats"] = selectors.retreat_list(user=self.request.user)
        return context


def _timetable(retreat, zone, *, visible_patient_ids=None):
    """Day → item → groups of attendees, for the retreat page and the printed roster.

    A group lists by name only the patients in `visible_patient_ids` (those the reader may
    see; None for an admin, who sees the whole clinic); the rest are only counted
    (`others`), so a retreat's page never names a patient outside the reader's care teams.
    """
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
                        _group(room, clinician, patients, visible_patient_ids)
                        for (room, clinician), patients in groups.items()
                    ],
                }
            )
        result.append({"day": day, "date": date, "rows": rows})
    return result


def _group(room, clinician, patients, visible_patient_ids):
    if visible_patient_ids is None:
        named = patients
    else:
        named = [p for p in patients if p.pk in visible_patient_ids]
    return {
        "room": room,
        "clinician": clinician,
        "patients": named,
        "others": len(patients) - len(named),
    }


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
        zone = clinic_of(self.actor).zone
        rows = list(selectors.enrollment_list(user=self.request.user, retreat=retreat))
        enrolled = [e for e in rows if e.status == EnrollmentStatus.ENROLLED]
        context.update(
            {
                "retreat": retreat,
                "enrolled": enrolled,
                "gaps": selectors.retreat_timetable_gaps(retreat=retreat, enrolled=enrolled),
                "waitlisted": [e for e in rows if e.status == EnrollmentStatus.WAITLISTED],
                "cancelled": [e for e in rows if e.status == EnrollmentStatus.CANCELLED],
                # The enrollments above are already scoped to the reader: whose names the
                # timetable may show costs no further query.
                "timetable": _timetable(
                    retreat,
                    zone,
                    visible_patient_ids=(
                        None if self.actor.is_admin else {e.patient_id for e in rows}
                    ),
                ),
                "enroll_form": kwargs.get("enroll_form")
                or EnrollForm(user=self.request.user, retreat=retreat),
                "is_admin": self.actor.role == ADMIN,
                "last_run": (retreat.timetable_runs.first() if self.actor.role == ADMIN else None),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if self.actor.role != ADMIN:
            raise Http404
        retreat = self.get_retreat()
        staff = staff_for(request.user)
        action = request.POST.get("action")
        if action == "enroll":
            form = EnrollForm(request.POST, user=request.user, retreat=retreat)
            if not form.is_valid():
                # The page again with the picker's error: who cannot join and why.
                return self.render_to_response(self.get_context_data(enroll_form=form))
            enrollment, error = run_service(
                request,
                retreats.enrollment_create,
                retreat=retreat,
                patient=form.cleaned_data["patient"],
                by=staff,
            )
            flash_session_links(request, error)
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
        elif action == "generate":
            run, _ = run_service(request, retreats.timetable_run_start, retreat=retreat, by=staff)
            if run is not None:
                return redirect("scheduling:timetable-run", pk=retreat.pk, run=run.pk)
        elif action == "default_template":
            run_service(
                request,
                retreats.retreat_template_default,
                retreat=retreat,
                success="The standard daily template is set.",
            )
        return redirect("scheduling:retreat-detail", pk=retreat.pk)


class TimetableRunView(RoleRequiredMixin, ProgressPageMixin, TemplateView):
    """A timetable generation the admin started: "n of N sessions planned" while the worker
    plans (polled as a fragment), then what it booked, kept and cancelled with links to the
    timetable and the calendar, or why it refused (the shortages, the clashing sessions
    linked) — in which case nothing was created. Another clinic's run is not found."""

    allowed_roles = ADMIN_ONLY
    template_name = "scheduling/timetable_run.html"
    progress_body = "scheduling/_timetable_run.html"

    def get_progress(self) -> TimetableRun:
        return (
            TimetableRun.objects.visible_to(self.request.user)
            .select_related("retreat__clinic")
            .get(pk=self.kwargs["run"], retreat_id=self.kwargs["pk"])
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = context["progress"]
        retreat = run.retreat
        context["days"] = [
            (n, day, f"{reverse('scheduling:calendar')}?date={day}&by=room")
            for n, day in enumerate(
                (retreat.starts_on + dt.timedelta(days=i) for i in range(retreat.days)), start=1
            )
        ]
        context["clash_links"] = sessions_linked(self.request.user, run.session_ids)
        return context


class EnrollmentCancelView(RoleRequiredMixin, TemplateView):
    """Cancel a place or remove a waitlisted patient, in two steps: the page (GET) says what
    will happen and changes nothing; its form (POST) calls `enrollment_cancel`."""

    allowed_roles = ADMIN_ONLY
    template_name = "confirm.html"

    def get_enrollment(self) -> Enrollment:
        retreat = RetreatDetailView.get_retreat(self)
        enrollment = get_visible_or_404(
            Enrollment,
            user=self.request.user,
            pk=self.kwargs["enrollment"],
            retreat=retreat,
            status__in=[EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED],
        )
        enrollment.retreat = retreat
        return enrollment

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        enrollment = self.get_enrollment()
        retreat, name = enrollment.retreat, enrollment.patient.full_name
        back = reverse("scheduling:retreat-detail", args=[retreat.pk])
        if enrollment.status == EnrollmentStatus.WAITLISTED:
            title = f"Remove {name} from the waitlist?"
            consequences = [
                f"{name} leaves the waitlist of {retreat.name} (position {enrollment.position}).",
                "Everyone behind moves up one position.",
            ]
            button = "Remove from the waitlist"
        else:
            title = f"Cancel {name}'s place?"
            upcoming = RetreatSession.objects.filter(
                enrollment=enrollment, session__status="scheduled"
            ).count()
            consequences = [
                f"{name}'s place on {retreat.name} is cancelled"
                + (
                    f" and their {upcoming} timetable session{'s' if upcoming != 1 else ''} "
                    "are cancelled."
                    if upcoming
                    else "."
                )
            ]
            first = (
                Enrollment.objects.filter(retreat=retreat, status=EnrollmentStatus.WAITLISTED)
                .select_related("patient")
                .order_by("position")
                .first()
            )
            consequences.append(
                f"{first.patient.full_name} moves up from the waitlist, is seated in the "
                "timetable and is notified."
                if first
                else "The place becomes free; nobody is waiting for it."
            )
            button = "Cancel the place"
        context.update(
            {
                "confirm_title": title,
                "consequences": consequences,
                "confirm_action": self.request.path,
                "confirm_fields": [],
                "confirm_button": button,
                "back_url": back,
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        enrollment = self.get_enrollment()
        promoted, error = run_service(
            request, retreats.enrollment_cancel, enrollment=enrollment, by=staff_for(request.user)
        )
        if not error:
            name = enrollment.patient.full_name
            if enrollment.status == EnrollmentStatus.WAITLISTED:
                messages.success(request, f"{name} is off the waitlist.")
            else:
                messages.success(
                    request,
                    f"{name}'s place is cancelled."
                    + (
                        f" {promoted.patient.full_name} moves up from the waitlist and has been"
                        " notified."
                        if promoted
                        else ""
                    ),
                )
            if promoted and promoted.unseated:
                messages.warning(
                    request,
                    f"{promoted.patient.full_name} is not seated in {len(promoted.unseated)} "
                    "slot(s) of the timetable; see “Timetable gaps” to resolve.",
                )
        return redirect("scheduling:retreat-detail", pk=enrollment.retreat_id)


class RetreatRosterPdfView(RetreatDetailView):
    """The printable roster: who is coming, the waitlist and the timetable."""

    allowed_roles = ADMIN_ONLY

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        context["printed_at"] = wall_clock(timezone.now(), clinic_of(self.actor).zone)
        pdf = render_pdf("scheduling/retreat_roster_pdf.html", context)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="retreat-{context["retreat"].pk}-roster.pdf"'
        )
        return response


class RetreatCreateView(ServiceFormView):
    """A new retreat (with the standard daily template if asked), in one service call."""

    allowed_roles = ADMIN_ONLY
    template_name = "scheduling/retreat_form.html"
    form_class = RetreatForm
    success_message = "Retreat created."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "clinic_id": self.actor.clinic_id}

    def call(self, form):
        return retreats.retreat_create(clinic=clinic_of(self.actor), **form.cleaned_data)

    def redirect_to(self, result):
        return reverse("scheduling:retreat-detail", kwargs={"pk": result.pk})
