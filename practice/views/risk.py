"""Suicide-risk pages: the C-SSRS assessment opened from an alert or the patient page, and
the safety-plan editor. Clinicians only; a patient out of reach answers 404."""

from django.urls import reverse

from backend.audit import audit_access
from backend.roles import CLINICIAN_ROLES, staff_for
from backend.scoping import get_visible_or_404
from backend.views import ServiceFormView
from practice import cssrs, services
from practice.choices import AlertKind
from practice.forms import RiskAssessmentForm, SafetyPlanForm
from practice.models import SafetyAlert
from practice.selectors import (
    alert_list,
    risk_assessment_latest,
    risk_hold_reasons,
    safety_plan_current,
)
from practice.views.clinical import PatientScopedFormView


class RiskAssessmentCreateView(PatientScopedFormView, ServiceFormView):
    """Ask the C-SSRS screener and record it; `?alert=<id>` names the alert it answers."""

    allowed_roles = CLINICIAN_ROLES
    template_name = "practice/risk_assessment_form.html"
    form_class = RiskAssessmentForm
    page_title = "Suicide risk assessment (C-SSRS screener)"

    def dispatch(self, request, *args, **kwargs):
        self.alert = None
        alert_id = request.GET.get("alert")
        if alert_id and request.user.is_authenticated:
            self.alert = get_visible_or_404(
                SafetyAlert,
                user=request.user,
                pk=alert_id,
                patient_id=kwargs["pk"],
                kind=AlertKind.SUICIDAL_IDEATION,
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["alert"] = self.alert
        context["open_alerts"] = alert_list(user=self.request.user).filter(
            patient=self.patient, kind=AlertKind.SUICIDAL_IDEATION
        )
        context["guidance"] = cssrs.GUIDANCE
        return context

    def call(self, form):
        return services.risk_assessment_record(
            patient=self.patient,
            by=staff_for(self.request.user),
            answers=form.answers(),
            formulation=form.cleaned_data["formulation"],
            alert=self.alert,
        )

    def get_success_message(self, assessment) -> str:
        return (
            f"Risk assessment recorded ({assessment.get_risk_level_display().lower()}); open "
            f"suicidality alerts are acknowledged. {cssrs.GUIDANCE[assessment.risk_level]}"
        )

    def redirect_to(self, assessment):
        if assessment.risk_level in cssrs.NEEDS_SAFETY_PLAN:
            return reverse("practice:safety-plan-edit", args=[self.patient.pk])
        return reverse("practice:patient-detail", args=[self.patient.pk]) + "#risk"


class SafetyPlanEditView(PatientScopedFormView, ServiceFormView):
    """Write the patient's safety plan with them, or review it: each save is a new version."""

    allowed_roles = CLINICIAN_ROLES
    template_name = "practice/safety_plan_form.html"
    form_class = SafetyPlanForm
    page_title = "Safety plan"

    def current(self):
        if not hasattr(self, "_current"):
            self._current = safety_plan_current(patient=self.patient)
        return self._current

    def get(self, request, *args, **kwargs):
        if self.current() is not None:
            audit_access(self.current())
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        plan = self.current()
        if plan is None:
            return {}
        return {name: getattr(plan, name) for name in self.form_class().fields}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["current"] = self.current()
        context["latest_assessment"] = risk_assessment_latest(patient=self.patient)
        context["hold"] = risk_hold_reasons(patient=self.patient)
        return context

    def call(self, form):
        return services.safety_plan_write(
            patient=self.patient, by=staff_for(self.request.user), **form.cleaned_data
        )

    def get_success_message(self, plan) -> str:
        return f"Safety plan version {plan.version} saved; the patient sees it in their portal."

    def redirect_to(self, plan):
        return reverse("practice:patient-detail", args=[self.patient.pk]) + "#risk"
