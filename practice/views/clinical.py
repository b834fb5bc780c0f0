"""Screening, treatment-plan, safety-alert and KAP-cycle pages."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.views.generic import DetailView, FormView, TemplateView

from backend.audit import audit_access
from backend.roles import CLINICIAN_ROLES, MEDICAL, STAFF_ROLES, staff_for
from backend.scoping import get_visible_or_404
from backend.views import RoleRequiredMixin, run_service
from practice import services
from practice.choices import PlanStatus
from practice.forms import AcknowledgeForm, PlanForm, PlanTargetForm, ReasonForm, ScreeningForm
from practice.models import Contraindication, SafetyAlert, TreatmentPlan
from practice.reference import ROUTE_FACTS
from practice.selectors import (
    alert_list,
    clinical_settings_for,
    contraindication_list,
    dose_history,
    kap_cycle_gaps,
    patient_list,
    plan_list,
    plan_progress,
    screening_current,
    screening_list,
    screening_problem,
    session_list,
)


class PatientScopedFormView(RoleRequiredMixin, FormView):
    """A form about one patient the requester may see (else 404)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.patient = get_object_or_404(patient_list(user=request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["patient"] = self.patient
        return context


class ScreeningCreateView(PatientScopedFormView):
    allowed_roles = CLINICIAN_ROLES
    template_name = "practice/screening_form.html"
    form_class = ScreeningForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if not Contraindication.objects.filter(clinic=self.patient.clinic_id).exists():
            run_service(self.request, services.clinic_clinical_setup, clinic=self.patient.clinic)
        kwargs["checklist"] = contraindication_list(clinic=self.patient.clinic_id)
        return kwargs

    def get_initial(self):
        initial = {"screened_on": self.patient.clinic.today()}
        if self.request.method == "GET" and self.request.GET.get("prefill"):
            # Apps above practice offer what they know (a patient-reported intake), named in
            # KAP_SCREENING_PREFILLERS; the clinician still decides every finding.
            for dotted in getattr(settings, "KAP_SCREENING_PREFILLERS", []):
                offered = import_string(dotted)(patient=self.patient, user=self.request.user)
                if offered:
                    self.prefilled_from = offered.pop("_source", "another record")
                    initial.update(offered)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["prefilled_from"] = getattr(self, "prefilled_from", "")
        return context

    def form_valid(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if not k.startswith("ci_")}
        screening, error = run_service(
            self.request,
            services.screening_record,
            form=form,
            patient=self.patient,
            by=staff_for(self.request.user),
            findings=form.findings(),
            success="Screening recorded.",
            **data,
        )
        if error:
            return self.form_invalid(form)
        return redirect("practice:screening-detail", screening.pk)


class ScreeningDetailView(RoleRequiredMixin, DetailView):
    allowed_roles = STAFF_ROLES
    template_name = "practice/screening_detail.html"
    context_object_name = "screening"

    def get_queryset(self):
        return screening_list(user=self.request.user)

    def get_object(self, queryset=None):
        screening = super().get_object(queryset)
        if self.request.method == "GET":
            audit_access(screening)
        return screening

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["patient"] = self.object.patient
        context["can_sign_off"] = (
            self.actor.role == MEDICAL and self.object.result == "needs_review"
        )
        # A cleared screening leads on to the plan: the one in progress, or a new draft.
        if self.actor.role in CLINICIAN_ROLES and self.object.result == "cleared":
            context["show_next_step"] = True
            context["open_plan"] = (
                TreatmentPlan.objects.filter(
                    patient=self.object.patient,
                    status__in=[PlanStatus.DRAFT, PlanStatus.ACTIVE, PlanStatus.MAINTENANCE],
                )
                .order_by("-created_at")
                .first()
            )
        context.setdefault("form", ReasonForm())
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.actor.role != MEDICAL:
            raise PermissionDenied("Only medical staff sign off a screening.")
        form = ReasonForm(request.POST)
        if form.is_valid():
            _, error = run_service(
                request,
                services.screening_sign_off,
                screening=self.object,
                by=staff_for(request.user),
                reason=form.cleaned_data["reason"],
                success="Signed off: the patient is cleared.",
            )
            if not error:
                return redirect("practice:screening-detail", self.object.pk)
        return self.render_to_response(self.get_context_data(form=form))


class PlanCreateView(PatientScopedFormView):
    allowed_roles = CLINICIAN_ROLES
    template_name = "practice/plan_form.html"
    form_class = PlanForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["diagnoses"] = self.patient.diagnoses.all()
        return kwargs

    def get_initial(self):
        return {"diagnoses": list(self.patient.diagnoses.all())}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["route_facts"] = ROUTE_FACTS.values()
        return context

    def form_valid(self, form):
        plan, error = run_service(
            self.request,
            services.plan_create,
            form=form,
            patient=self.patient,
            by=staff_for(self.request.user),
            success="Plan drafted. Medical staff activate it once the screening is cleared.",
            **form.cleaned_data,
        )
        if error:
            return self.form_invalid(form)
        return redirect("practice:plan-detail", plan.pk)


PLAN_ACTIONS = {
    "activate": (services.plan_activate, "Plan active: induction started.", False),
    "maintenance": (services.plan_move_to_maintenance, "Plan moved to maintenance.", False),
    "complete": (services.plan_complete, "Plan completed.", True),
    "discontinue": (services.plan_discontinue, "Plan discontinued.", True),
}


class PlanDetailView(RoleRequiredMixin, DetailView):
    """The plan: status and transitions, progress, dose history, route facts, sessions."""

    allowed_roles = STAFF_ROLES
    template_name = "practice/plan_detail.html"
    context_object_name = "plan"

    def get_queryset(self):
        return plan_list(user=self.request.user)

    def get_object(self, queryset=None):
        plan = super().get_object(queryset)
        if self.request.method == "GET":
            audit_access(plan)
        return plan

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.object
        context["patient"] = plan.patient
        context["progress"] = plan_progress(plan)
        context["route_facts"] = ROUTE_FACTS.get(plan.route)
        context["history"] = list(dose_history(patient=plan.patient).filter(session__plan=plan))
        context["sessions"] = session_list(user=self.request.user).filter(plan=plan)
        today = plan.patient.clinic.today()
        screening = screening_current(patient=plan.patient, on=today)
        context["screening"] = screening
        context["screening_problem"] = screening_problem(screening, today)
        context["is_medical"] = self.actor.role == MEDICAL
        context["is_clinician"] = self.actor.role in CLINICIAN_ROLES
        context["target_changes"] = list(plan.target_changes.select_related("changed_by__user"))
        context.setdefault("reason_form", ReasonForm())
        context.setdefault(
            "target_form",
            PlanTargetForm(initial={"induction_target_sessions": plan.induction_target_sessions}),
        )
        return context

    def post(self, request, *args, **kwargs):
        self.object = plan = self.get_object()
        action = request.POST.get("action")
        if action == "target":
            return self._change_target(request, plan)
        if action not in PLAN_ACTIONS or self.actor.role not in CLINICIAN_ROLES:
            raise PermissionDenied("Your role does not allow this.")
        service, success, takes_reason = PLAN_ACTIONS[action]
        extra = {}
        if takes_reason:
            form = ReasonForm(request.POST)
            form.is_valid()
            extra["reason"] = form.cleaned_data.get("reason", "")
        run_service(
            request, service, plan=plan, by=staff_for(request.user), success=success, **extra
        )
        return redirect("practice:plan-detail", plan.pk)

    def _change_target(self, request, plan):
        if self.actor.role != MEDICAL:
            raise PermissionDenied("Only medical staff change a plan's induction target.")
        form = PlanTargetForm(request.POST)
        if form.is_valid():
            _, error = run_service(
                request,
                services.plan_target_change,
                plan=plan,
                by=staff_for(request.user),
                success="Induction target changed.",
                **form.cleaned_data,
            )
            if not error:
                return redirect("practice:plan-detail", plan.pk)
        return self.render_to_response(self.get_context_data(target_form=form))


class AlertListView(RoleRequiredMixin, TemplateView):
    """Open safety alerts of the requester's patients; a clinician acknowledges with a note."""

    allowed_roles = STAFF_ROLES
    template_name = "practice/alert_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["alerts"] = alert_list(user=self.request.user)
        context["recent"] = alert_list(user=self.request.user, open_only=False).filter(
            acknowledged_at__isnull=False
        )[:20]
        context["can_acknowledge"] = self.actor.role in CLINICIAN_ROLES
        return context

    def post(self, request, *args, **kwargs):
        if self.actor.role not in CLINICIAN_ROLES:
            raise PermissionDenied("Only a clinician acknowledges a safety alert.")
        alert = get_visible_or_404(SafetyAlert, user=request.user, pk=request.POST.get("alert"))
        form = AcknowledgeForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Write what you did (or will do) about it.")
        else:
            run_service(
                request,
                services.safety_alert_acknowledge,
                alert=alert,
                by=staff_for(request.user),
                note=form.cleaned_data["note"],
                success="Alert acknowledged.",
            )
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = "practice:alert-list"
        return redirect(target or "practice:alert-list")


class CycleWorklistView(RoleRequiredMixin, TemplateView):
    """Dosing sessions missing their preparation before or integration after."""

    allowed_roles = STAFF_ROLES
    template_name = "practice/cycle_worklist.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["gaps"] = kap_cycle_gaps(user=self.request.user)
        context["settings"] = clinical_settings_for(self.actor.clinic_id)
        context["lookback_days"] = settings.CYCLE_GAP_LOOKBACK_DAYS
        return context
