"""Practice pages: patient list and record, patient forms, clinician dashboard, portal."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from backend.audit import audit_access, audit_event_list, audit_records
from backend.roles import ADMIN, CLINICIAN_ROLES, MEDICAL, PATIENT, STAFF_ROLES, staff_for
from backend.scoping import get_visible_or_404
from backend.views import RoleRequiredMixin, ServiceFormView, run_service
from practice import services, video
from practice.charts import measure_trend_svg, plain_topic
from practice.choices import DOSING_CONSENT_KINDS, PlanStatus, SessionStatus
from practice.forms import CareTeamForm, DiagnosisForm, DocumentForm, PatientForm
from practice.forms.patient_search import (
    PATIENT_NUMBER,
    PATIENT_SEARCH_LIMIT,
    patient_choice_label,
)
from practice.instructions import plan_in_plain_language, preparation_instructions
from practice.models import Diagnosis, Patient
from practice.selectors import (
    alert_rows,
    care_team_candidates,
    clinic_overview,
    clinic_rows,
    clinical_settings_for,
    consent_gate,
    consent_hold_reasons,
    consents_of,
    dose_times,
    kap_cycle_gap_count,
    measure_summaries,
    measures_due,
    patient_alerts_open,
    patient_document_rows,
    patient_list,
    patient_names,
    patient_plan_rows,
    patient_risk_assessment_rows,
    patient_sessions_around,
    plan_list,
    plan_progress,
    portal_patient,
    risk_hold_reasons,
    safety_plan_current,
    safety_plan_list,
    screening_current,
    screening_problem,
    session_list,
    session_table_rows,
)


class PatientListView(RoleRequiredMixin, ListView):
    allowed_roles = STAFF_ROLES
    template_name = "practice/patient_list.html"
    paginate_by = 25
    context_object_name = "patients"

    def get_queryset(self):
        # Deactivated patients drop out of the list unless asked for (?inactive=1).
        return patient_list(
            user=self.request.user,
            search=self.request.GET.get("q", ""),
            active=not self.show_inactive,
        )

    @property
    def show_inactive(self) -> bool:
        return self.request.GET.get("inactive") == "1"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["q"] = self.request.GET.get("q", "")
        context["show_inactive"] = self.show_inactive
        return context


class PatientSearchView(RoleRequiredMixin, TemplateView):
    """The options of a patient picker (`practice.forms.PatientSearchField`), fetched by htmx
    as the user types: at most PATIENT_SEARCH_LIMIT active patients the user may see whose
    names match (or whose number it is), one query; named in the audit row like any list.

    `?field=<name>` says which parameter holds the text (htmx sends the input under its own
    name); an empty text lists nobody, so no request ever returns the whole clinic.
    """

    allowed_roles = STAFF_ROLES
    template_name = "practice/patient_search_options.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        field = self.request.GET.get("field") or "q"
        text = (self.request.GET.get(field) or "").strip()[:100]
        patients = []
        if text:
            visible = Patient.objects.visible_to(self.request.user).filter(is_active=True)
            number = PATIENT_NUMBER.search(text)
            matches = visible.search(text)
            if number:
                matches = matches | visible.filter(pk=int(number.group(1)))
            patients = list(
                matches.order_by("legal_last_name", "legal_first_name", "pk")[:PATIENT_SEARCH_LIMIT]
            )
        audit_records(patients)
        context["labels"] = [patient_choice_label(p) for p in patients]
        return context


class AuditedPatientMixin:
    """A page about one patient: the patient it reads (scoped by the view's queryset) is
    recorded on the audit trail."""

    context_object_name = "patient"

    def get_object(self, queryset=None):
        patient = super().get_object(queryset)
        audit_access(patient)
        return patient


class PatientDetailView(RoleRequiredMixin, AuditedPatientMixin, DetailView):
    allowed_roles = STAFF_ROLES
    template_name = "practice/patient_detail.html"

    def get_queryset(self):
        # The clinic joined: its day and zone place the screenings, sessions and charts.
        return patient_list(user=self.request.user).select_related("clinic")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["diagnosis_form"] = DiagnosisForm()
        context.update(patient_clinical_context(patient=self.object))
        context["is_clinician"] = self.actor.role in CLINICIAN_ROLES
        context["consents"] = list(consents_of(patient=self.object))
        context["consent_hold"] = consent_hold_reasons(
            patient=self.object,
            kinds=DOSING_CONSENT_KINDS,
            gate=consent_gate(
                patient=self.object, kinds=DOSING_CONSENT_KINDS, consents=context["consents"]
            ),
        )
        context["may_countersign"] = self.actor.role in (ADMIN, MEDICAL)
        context["documents"] = list(patient_document_rows(patient=self.object))
        audit_records(context["documents"])
        context["document_form"] = DocumentForm(limit=filesizeformat(settings.DOCUMENT_MAX_BYTES))
        context["may_review"] = self.actor.role in (ADMIN, MEDICAL)
        if self.actor.role == ADMIN:
            context["care_team_form"] = CareTeamForm(
                staff_queryset=care_team_candidates(patient=self.object)
            )
        return context


class PatientAccessView(RoleRequiredMixin, AuditedPatientMixin, DetailView):
    """Access history: the newest requests that named this patient (admins). Its own page
    rather than a panel of the chart, which every view of the patient would otherwise pay
    for; older entries are on the clinic's audit trail, filtered to the patient."""

    allowed_roles = frozenset({ADMIN})
    template_name = "practice/patient_access.html"
    limit = 100

    def get_queryset(self):
        # Scoped as the patient page; the diagnoses and care team it shows are not needed.
        return patient_list(user=self.request.user).prefetch_related(None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Newest first, the actor joined: one query whatever the number of entries.
        context["audit_trail"] = audit_event_list(
            clinic_id=self.actor.clinic_id, patient_id=self.object.pk
        )[: self.limit]
        context["limit"] = self.limit
        return context


# The plans `measures_due` times questionnaires by (newest first, as plans are ordered).
OPEN_PLAN_STATUSES = frozenset({PlanStatus.DRAFT, PlanStatus.ACTIVE, PlanStatus.MAINTENANCE})


def patient_clinical_context(*, patient) -> dict:
    """Screenings, plans, sessions, measures and charts of a patient, for their page.

    `patient` was read through `patient_list(user=...)`, so the reader may see it and all
    that belongs to it: these rows are read through the patient, not scoped again.

    Bounded whatever the patient's history: 10 sessions each side of now, the 5 newest
    screenings (the current one among them, unless all 5 are dated later than today), the
    dose times as bare timestamps for the charts."""

    today = patient.clinic.today()
    upcoming, past = patient_sessions_around(patient=patient, now=timezone.now())
    # Read only when a chart needs them: a patient who answered no questionnaire has none.
    doses = SimpleLazyObject(lambda: dose_times(patient=patient))
    summaries = measure_summaries(patient=patient, doses=doses)
    screenings = list(patient.screenings.all()[:5])
    current_screening = next((s for s in screenings if s.screened_on <= today), None)
    if current_screening is None and len(screenings) == 5:
        current_screening = screening_current(patient=patient, on=today)
    # Read once: listed on the page, and the newest open one times the questionnaires due.
    plans = list(patient_plan_rows(patient=patient))
    # Read once: listed on the page, and the hold on dosing is decided from them.
    open_alerts = list(patient_alerts_open(patient=patient))
    risk_assessments = list(patient_risk_assessment_rows(patient=patient)[:5])
    open_plan = next((p for p in plans if p.status in OPEN_PLAN_STATUSES), None)
    return {
        "screenings": screenings,
        # The newest screening speaks for the patient; the problem says why it does not
        # clear them today (not cleared, awaiting sign-off, expired).
        "current_screening": current_screening,
        "screening_problem": screening_problem(current_screening, today),
        "plans": plans,
        "upcoming_sessions": upcoming,
        "past_sessions": past,
        "summaries": [
            (summary, measure_trend_svg(summary, doses, patient.clinic)) for summary in summaries
        ],
        "measures_due": measures_due(patient=patient, plan=open_plan),
        "open_alerts": open_alerts,
        "risk_assessments": risk_assessments,
        "safety_plan": safety_plan_current(patient=patient),
        "risk_hold": risk_hold_reasons(
            patient=patient, open_alerts=open_alerts, assessments=risk_assessments
        ),
    }


class PatientFormView(ServiceFormView):
    """Create a patient, or edit one (admins)."""

    allowed_roles = frozenset({ADMIN})
    template_name = "practice/patient_form.html"
    form_class = PatientForm

    def get_patient(self):
        if "pk" not in self.kwargs:
            return None
        return get_visible_or_404(Patient, user=self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_patient()
        return kwargs

    def call(self, form):
        data = {name: form.cleaned_data[name] for name in form.fields}
        if form.instance.pk:
            return services.patient_update(patient=form.instance, **data)
        return services.patient_create(clinic=staff_for(self.request.user).clinic, **data)

    def get_success_message(self, patient) -> str:
        return "Patient details saved." if self.kwargs.get("pk") else "Patient registered."

    def redirect_to(self, patient):
        return reverse("practice:patient-detail", args=[patient.pk])


class PatientActionView(RoleRequiredMixin, View):
    """A POST from the patient page that calls one service, then returns to the page.

    The patient comes from `patient_list(user=...)`, so one out of reach answers 404.
    A refusal (ValidationError or DomainError) is shown as a message on the page.
    """

    http_method_names = ["post"]

    def post(self, request, pk, **kwargs):
        self.patient = get_object_or_404(patient_list(user=request.user), pk=pk)
        audit_access(self.patient)
        try:
            self.act(request, **kwargs)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect(reverse("practice:patient-detail", args=[self.patient.pk]))

    def act(self, request, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError


class DiagnosisAddView(PatientActionView):
    """Clinicians on the care team (and admins) record an ICD-10-CM diagnosis."""

    allowed_roles = STAFF_ROLES

    def act(self, request):
        form = DiagnosisForm(request.POST)
        if not form.is_valid():
            raise ValidationError(form.errors["code"])
        diagnosis, _ = run_service(
            request, services.diagnosis_add, patient=self.patient, code=form.cleaned_data["code"]
        )
        if diagnosis:
            messages.success(request, f"Diagnosis {diagnosis.code} {diagnosis.description} added.")


class DiagnosisRemoveView(PatientActionView):
    allowed_roles = STAFF_ROLES

    def act(self, request, diagnosis_pk):
        diagnosis = get_visible_or_404(
            Diagnosis, user=request.user, pk=diagnosis_pk, patient=self.patient
        )
        run_service(
            request,
            services.diagnosis_remove,
            diagnosis=diagnosis,
            success=f"Diagnosis {diagnosis.code} removed.",
        )


class PatientDeactivateView(PatientActionView):
    """Admins take a patient out of the active lists, with a reason (never a delete)."""

    allowed_roles = frozenset({ADMIN})

    def act(self, request):
        run_service(
            request,
            services.patient_deactivate,
            patient=self.patient,
            by=request.user,
            reason=request.POST.get("reason", ""),
            success="Patient deactivated; their record stays readable.",
        )


class PatientReactivateView(PatientActionView):
    allowed_roles = frozenset({ADMIN})

    def act(self, request):
        run_service(
            request,
            services.patient_reactivate,
            patient=self.patient,
            by=request.user,
            success="Patient reactivated.",
        )


class CareTeamAddView(PatientActionView):
    """Admins put a staff member of the clinic on the patient's care team."""

    allowed_roles = frozenset({ADMIN})

    def act(self, request):
        form = CareTeamForm(request.POST, staff_queryset=care_team_candidates(patient=self.patient))
        if not form.is_valid():
            raise ValidationError(
                "Choose a staff member of this clinic who is not on the care team yet."
            )
        staff = form.cleaned_data["staff"]
        run_service(
            request,
            services.care_team_add,
            patient=self.patient,
            staff=staff,
            is_primary=form.cleaned_data["is_primary"],
            success=f"{staff.display_name} joined the care team.",
        )


class CareTeamRemoveView(PatientActionView):
    allowed_roles = frozenset({ADMIN})

    def act(self, request, staff_pk):
        member = get_object_or_404(
            self.patient.care_team.select_related("staff__user"), staff_id=staff_pk
        )
        run_service(
            request,
            services.care_team_remove,
            patient=self.patient,
            staff=member.staff,
            success=f"{member.staff.display_name} left the care team.",
        )


class ClinicOverviewView(RoleRequiredMixin, TemplateView):
    """A clinic admin's overview: the clinic's identity, its staff and their caseloads, and
    the patients who still need a care team."""

    allowed_roles = frozenset({ADMIN})
    template_name = "practice/clinic_overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(clinic_overview(clinic_id=self.actor.clinic_id))
        return context


class DashboardView(RoleRequiredMixin, TemplateView):
    """A clinician's home: their care-team patients (later issues add the day's work)."""

    allowed_roles = STAFF_ROLES
    template_name = "practice/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        # The clinic came with the staff member (`actor_for`): the rows' local times use
        # it instead of joining the clinic in each row.
        clinic = staff_for(user).clinic
        context["patients"] = patient_names(user=user)[:50]
        context["alerts"] = clinic_rows(alert_rows(user=user), clinic=clinic)
        context["can_acknowledge"] = self.actor.role in CLINICIAN_ROLES
        start = timezone.localtime(timezone.now(), clinic.zone).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        context["today_sessions"] = clinic_rows(
            session_table_rows(user=user)
            .filter(starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=1))
            .exclude(status=SessionStatus.CANCELLED),
            clinic=clinic,
        )
        context["gap_count"] = kap_cycle_gap_count(user=user, clinic_id=self.actor.clinic_id)
        return context


class PortalView(RoleRequiredMixin, TemplateView):
    """A patient's home in the portal: their own details."""

    allowed_roles = frozenset({PATIENT})
    template_name = "practice/portal.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        patient = portal_patient(user=self.request.user)
        audit_access(patient)
        context["patient"] = patient
        context.update(portal_clinical_context(patient=patient, user=self.request.user))
        if context["safety_plan"] is not None:
            audit_access(context["safety_plan"])
        return context


def portal_clinical_context(*, patient, user) -> dict:
    """The patient's plan in plain language, upcoming sessions with what to prepare, the
    questionnaires due now, and their current safety plan (never their risk assessments)."""

    settings = clinical_settings_for(patient.clinic_id)
    # Read only when a chart needs them: a patient who answered no questionnaire has none.
    doses = SimpleLazyObject(lambda: dose_times(patient=patient))
    plan = plan_list(user=user).exclude(status__in=["completed", "discontinued"]).first()
    now = timezone.now()
    upcoming = (
        session_list(user=user)
        .filter(ends_at__gt=now)
        .exclude(status__in=[SessionStatus.CANCELLED, SessionStatus.NO_SHOW])
        .select_related("patient__clinic")[:6]
    )
    return {
        "plan": plan,
        "plan_lines": plan_in_plain_language(plan, plan_progress(plan)) if plan else [],
        "upcoming": [
            (s, preparation_instructions(kind=s.kind, settings=settings, patient=patient))
            for s in upcoming
        ],
        # Video sessions whose "Join video" button shows now (from 15 minutes before the
        # start to the end).
        "joinable": {s.pk for s in upcoming if video.join_open(s, at=now)},
        "due": measures_due(patient=patient, plan=plan),
        "summaries": [
            (
                summary,
                plain_topic(summary),
                measure_trend_svg(summary, doses, patient.clinic, plain=True),
            )
            for summary in measure_summaries(patient=patient, doses=doses)
        ],
        "safety_plan": safety_plan_list(user=user).filter(superseded_at__isnull=True).first(),
    }
