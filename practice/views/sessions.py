"""The session page: lifecycle buttons, the pre-dose gate and dose, a vitals table quick to
fill during the session, adverse events, dissociation, discharge. Other apps add panels."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views import View
from django.views.generic import DetailView, FormView

from backend.audit import audit_access
from backend.roles import ADMIN, CLINICIAN_ROLES, MEDICAL, PATIENT, STAFF_ROLES, staff_for
from backend.views import RoleRequiredMixin, run_service
from practice import rems, services, video
from practice.charts import vitals_svg
from practice.choices import SessionKind, SessionModality, SessionStatus
from practice.forms import (
    AdverseEventForm,
    DischargeForm,
    DosingForm,
    EsketamineDischargeForm,
    ObservationsForm,
    SessionForm,
    VitalsForm,
)
from practice.models import Screening, TreatmentPlan
from practice.reference import ROUTE_FACTS
from practice.rems import READER_ROLES
from practice.selectors import (
    alert_list,
    clinical_settings_for,
    dose_history,
    patient_list,
    plan_progress,
    session_list,
    staff_list,
    video_session_for_participant,
)

MEDICAL_ACTIONS = {"dosing", "vitals", "adverse_event", "observations", "discharge"}
FORMS = {
    "dosing": DosingForm,
    "vitals": VitalsForm,
    "adverse_event": AdverseEventForm,
    "observations": ObservationsForm,
    "discharge": DischargeForm,
}


class SessionConfirmView(RoleRequiredMixin, DetailView):
    """The first step of a lifecycle action that cannot be undone (no-show, complete): the
    page says what will happen and changes nothing; its form posts the action to the
    session page, which acts."""

    allowed_roles = STAFF_ROLES
    template_name = "confirm.html"
    context_object_name = "session"
    ACTIONS = {"no_show", "complete"}

    def get_queryset(self):
        return session_list(user=self.request.user).select_related("clinic")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session, action = self.object, self.kwargs["action"]
        if action not in self.ACTIONS:
            raise Http404("No such action.")
        name = session.patient.display_name
        when = date_format(session.clinic.local(session.starts_at), "D M j, H:i")
        what = f"{name}'s {session.get_kind_display().lower()} session ({when})"
        if action == "no_show":
            title = f"Mark {what} as a no-show?"
            consequences = [
                f"The session is marked no-show: {name} did not come. It stays on the record "
                "as missed and can no longer be checked in or completed.",
                "This cannot be undone; book a new session if the patient comes another time.",
            ]
            button = "Mark as a no-show"
        else:
            title = f"Complete {what}?"
            consequences = [
                "The session is marked completed and closes: it can no longer be checked in, "
                "marked a no-show or cancelled.",
                "This cannot be undone.",
            ]
            if session.kind == SessionKind.DOSING:
                consequences.insert(1, "The dose and the discharge checklist are final with it.")
            button = "Complete the session"
        back = reverse("practice:session-detail", args=[session.pk])
        context.update(
            {
                "confirm_title": title,
                "consequences": consequences,
                "confirm_action": back,
                "confirm_fields": [("action", action)],
                "confirm_button": button,
                "back_url": back,
            }
        )
        return context


class SessionDetailView(RoleRequiredMixin, DetailView):
    """One session. POST carries `action` (check_in, complete, no_show, dosing, vitals,
    adverse_event, observations, discharge); a refusal re-renders the page with the message."""

    allowed_roles = STAFF_ROLES
    template_name = "practice/session_detail.html"
    context_object_name = "session"

    def get_queryset(self):
        return session_list(user=self.request.user).select_related("clinic")

    def get_object(self, queryset=None):
        session = super().get_object(queryset)
        if self.request.method == "GET":
            audit_access(session)
        return session

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        self.object = session = self.get_object()
        action = request.POST.get("action", "")
        if action in MEDICAL_ACTIONS and self.actor.role != MEDICAL:
            raise PermissionDenied("Only medical staff record dosing, vitals and discharge.")
        handler = getattr(self, f"do_{action}", None)
        if handler is None:
            raise PermissionDenied("Unknown action.")
        form_class = FORMS.get(action)
        if action == "discharge" and self._is_esketamine(session):
            form_class = EsketamineDischargeForm
        if form_class is None:
            _, error = handler(session, None)
            return self._done(error)
        extra = {"clinic_id": session.clinic_id} if action == "dosing" else {}
        form = form_class(request.POST, prefix=action, **extra)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(**{f"{action}_form": form}))
        _, error = handler(session, form.cleaned_data)
        if error:
            return self.render_to_response(self.get_context_data(**{f"{action}_form": form}))
        return self._done(None)

    def _done(self, error):
        anchor = "#dosing" if self.object.kind == SessionKind.DOSING else ""
        return redirect(reverse("practice:session-detail", args=[self.object.pk]) + anchor)

    @staticmethod
    def _is_esketamine(session) -> bool:
        record = getattr(session, "dosing", None)
        return record is not None and record.is_esketamine

    # Lifecycle ---------------------------------------------------------------------------

    def do_check_in(self, session, data):
        return run_service(
            self.request, services.session_check_in, session=session, success="Checked in."
        )

    def do_complete(self, session, data):
        return run_service(
            self.request, services.session_complete, session=session, success="Session completed."
        )

    def do_no_show(self, session, data):
        return run_service(
            self.request,
            services.session_mark_no_show,
            session=session,
            success="Marked as a no-show.",
        )

    # Dosing ------------------------------------------------------------------------------

    def do_dosing(self, session, data):
        result = run_service(
            self.request,
            services.dosing_record_create,
            session=session,
            by=staff_for(self.request.user),
            success="Dose recorded. Record vital signs every 10–15 minutes.",
            **data,
        )
        error = result[1]
        if error is not None:
            # What the form needs to answer the refusal: the override for a dose out of
            # range, the weight confirmation for a weight off the screening's.
            self.gate_refusal = {
                "reasons": error.extra.get("reasons", []),
                "overridable": error.extra.get("overridable", []),
                "fields": error.extra.get("fields", {}),
            }
        return result

    def _local_time(self, session, value: datetime.time | None):
        if value is None:
            return None
        zone = session.clinic.zone
        day = timezone.localtime(session.starts_at, zone).date()
        return datetime.datetime.combine(day, value, tzinfo=zone)

    def do_vitals(self, session, data):
        result = run_service(
            self.request,
            services.vitals_record,
            record=session.dosing,
            by=staff_for(self.request.user),
            taken_at=self._local_time(session, data.pop("taken_at")),
            **data,
        )
        if result[0] is not None and result[0].out_of_range:
            messages.warning(self.request, "Out of range: a safety alert was raised.")
        return result

    def do_adverse_event(self, session, data):
        return run_service(
            self.request,
            services.adverse_event_record,
            record=session.dosing,
            by=staff_for(self.request.user),
            success="Adverse event recorded.",
            **data,
        )

    def do_observations(self, session, data):
        return run_service(
            self.request,
            services.dosing_observations_update,
            record=session.dosing,
            by=staff_for(self.request.user),
            success="Saved.",
            **data,
        )

    def do_discharge(self, session, data):
        return run_service(
            self.request,
            services.dosing_discharge,
            record=session.dosing,
            by=staff_for(self.request.user),
            success="Discharged. You can now complete the session.",
            **data,
        )

    # Page --------------------------------------------------------------------------------

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = self.object
        patient = session.patient
        settings = clinical_settings_for(session.clinic_id)
        record = getattr(session, "dosing", None)
        context.update(patient=patient, settings=settings, record=record)
        context["is_medical"] = self.actor.role == MEDICAL
        context["alerts"] = alert_list(user=self.request.user, open_only=False).filter(
            session=session
        )
        if session.plan_id:
            context["plan"] = session.plan
            context["progress"] = plan_progress(session.plan)
            context["route_facts"] = ROUTE_FACTS.get(session.plan.route)
        if session.kind == SessionKind.DOSING:
            context["history"] = [
                r for r in dose_history(patient=patient) if r.session_id != session.pk
            ][:8]
            if record is None:
                latest = Screening.objects.filter(patient=patient).order_by("-screened_on").first()
                initial = {"route": session.plan.route if session.plan_id else None}
                if latest:
                    initial["weight_kg"] = latest.weight_kg
                form = context.setdefault(
                    "dosing_form",
                    DosingForm(prefix="dosing", initial=initial, clinic_id=session.clinic_id),
                )
                # What the gate already knows before the bedside checks (screening, plan,
                # induction target).
                context["gate"] = services.session_gate_failures(session=session, settings=settings)
                context["open_for_dosing"] = session.status == SessionStatus.CHECKED_IN
                refusal = getattr(self, "gate_refusal", None) or {}
                for name, messages in refusal.get("fields", {}).items():
                    name = "lot" if name == "lot_id" else name
                    if form.is_bound and name in form.fields and name not in form.errors:
                        form.add_error(name, messages)
                ticked = form.is_bound and form.data.get("dosing-dose_override")
                context["show_override"] = bool(refusal.get("overridable") or ticked)
                context["show_weight_confirm"] = bool(
                    "weight" in refusal.get("reasons", [])
                    or (form.is_bound and form.data.get("dosing-weight_confirmed"))
                )
            else:
                context["vitals"] = list(record.vitals.all())
                context["vitals_chart"] = vitals_svg(record, context["vitals"], settings)
                context["adverse_events"] = list(record.adverse_events.all())
                context["record_open"] = session.status not in (
                    SessionStatus.COMPLETED,
                    SessionStatus.CANCELLED,
                )
                context.setdefault("vitals_form", VitalsForm(prefix="vitals"))
                context.setdefault("adverse_event_form", AdverseEventForm(prefix="adverse_event"))
                context.setdefault(
                    "observations_form",
                    ObservationsForm(
                        prefix="observations",
                        initial={
                            "dissociation_score": record.dissociation_score,
                            "sedation": record.sedation,
                            "notes": record.notes,
                        },
                    ),
                )
                discharge_form = EsketamineDischargeForm if record.is_esketamine else DischargeForm
                context.setdefault("discharge_form", discharge_form(prefix="discharge"))
                context["may_read_rems_form"] = record.is_esketamine and self.actor.role in (
                    ADMIN,
                    MEDICAL,
                )
                if record.is_esketamine and record.administered_at:
                    low, high = settings.esketamine_bp_window()
                    context["bp_window"] = (
                        record.administered_at + datetime.timedelta(minutes=low),
                        record.administered_at + datetime.timedelta(minutes=high),
                    )
                if record.administered_at:
                    minutes = settings.observe_minutes(record.route)
                    context["observe_minutes"] = minutes
                    context["discharge_from"] = record.administered_at + datetime.timedelta(
                        minutes=minutes
                    )
        return context


class SessionVitalsChartView(RoleRequiredMixin, View):
    """The dosing record's vitals chart alone: the session page polls it while the record is
    open, so readings another device adds appear without a reload."""

    allowed_roles = STAFF_ROLES

    def get(self, request, pk):
        session = get_object_or_404(session_list(user=request.user).select_related("clinic"), pk=pk)
        record = getattr(session, "dosing", None)
        if record is None:
            raise Http404
        return render(
            request,
            "practice/_vitals_chart.html",
            {
                "session": session,
                "record_open": session.status
                not in (SessionStatus.COMPLETED, SessionStatus.CANCELLED),
                "vitals_chart": vitals_svg(
                    record, list(record.vitals.all()), clinical_settings_for(session.clinic_id)
                ),
            },
        )


class SessionRemsFormView(RoleRequiredMixin, View):
    """The SPRAVATO REMS patient monitoring form of the session's esketamine dose, as PDF
    (`?format=csv` for CSV): the clinic's admins and medical staff, an audited access."""

    allowed_roles = READER_ROLES

    def get(self, request, pk):
        kind = request.GET.get("format", "pdf")
        if kind not in ("pdf", "csv"):
            return HttpResponseBadRequest("Ask for format=pdf or format=csv.")
        record = rems.rems_form_record(user=request.user, session_id=pk)
        if kind == "csv":
            response = HttpResponse(rems.rems_form_csv(record), "text/csv; charset=utf-8")
        else:
            response = HttpResponse(rems.rems_form_pdf(record), "application/pdf")
        disposition = "attachment" if kind == "csv" else "inline"
        filename = rems.rems_form_filename(record, kind)
        response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
        return response


class SessionCreateView(RoleRequiredMixin, FormView):
    """Create a session for a patient with a clinician and a time window (no room rules)."""

    allowed_roles = STAFF_ROLES
    template_name = "practice/session_form.html"
    form_class = SessionForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.patient = get_object_or_404(patient_list(user=request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["clinicians"] = staff_list(clinic_id=self.patient.clinic_id, roles=CLINICIAN_ROLES)
        kwargs["plans"] = TreatmentPlan.objects.filter(patient=self.patient).exclude(
            status__in=["completed", "discontinued"]
        )
        return kwargs

    def get_initial(self):
        initial = {"kind": self.request.GET.get("kind", SessionKind.PREPARATION)}
        if self.actor.role in CLINICIAN_ROLES:
            initial["clinician"] = staff_for(self.request.user).pk
        plan = TreatmentPlan.objects.filter(
            patient=self.patient, status__in=["active", "maintenance", "draft"]
        ).first()
        if plan:
            initial["plan"] = plan.pk
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["patient"] = self.patient
        return context

    def form_valid(self, form):
        zone = self.patient.clinic.zone
        data = dict(form.cleaned_data)
        data["modality"] = data["modality"] or SessionModality.IN_PERSON
        for name in ("starts_at", "ends_at"):
            # The browser sends clinic wall-clock time without a zone.
            data[name] = timezone.make_aware(timezone.make_naive(data[name]), zone)
        session, error = run_service(
            self.request,
            services.session_create,
            form=form,
            patient=self.patient,
            success="Session created.",
            **data,
        )
        if error:
            return self.form_invalid(form)
        return redirect("practice:session-detail", session.pk)


class SessionJoinView(RoleRequiredMixin, View):
    """Join a video session: redirects a participant (the patient, the clinician, the care
    team, the clinic's admins) to the provider's room; anyone else gets 404. The provider's
    link is built here on demand, so pages, feeds and messages carry only this route."""

    allowed_roles = STAFF_ROLES | {PATIENT}

    def get(self, request, pk):
        session = video_session_for_participant(user=request.user, pk=pk)
        participant = staff_for(request.user) if self.actor.role != PATIENT else None
        response = HttpResponseRedirect(video.join_url(session, participant))
        response["Referrer-Policy"] = "no-referrer"
        return response
