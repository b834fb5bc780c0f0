"""Questionnaire pages: staff enter answers on a patient's behalf; patients answer in the
portal. Both go through `services.measure_record`."""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView

from backend.roles import PATIENT, STAFF_ROLES
from backend.views import RoleRequiredMixin, run_service
from practice import instruments, services
from practice.forms import QuestionnaireForm
from practice.models import Patient
from practice.selectors import measures_due, patient_list


class QuestionnaireView(RoleRequiredMixin, FormView):
    template_name = "practice/questionnaire.html"
    form_class = QuestionnaireForm

    def get_patient(self) -> Patient:
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        self.instrument = kwargs.get("instrument") or request.GET.get("instrument", "gad7")
        if self.instrument not in instruments.INSTRUMENTS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instrument"] = self.instrument
        if self.actor.role != PATIENT:
            kwargs["zone"] = self.get_patient().clinic.zone
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["patient"] = self.get_patient()
        context["spec"] = instruments.spec(self.instrument)
        context["instruments"] = instruments.INSTRUMENTS.values()
        context["on_behalf"] = self.actor.role != PATIENT
        return context

    def form_valid(self, form):
        _, error = run_service(
            self.request,
            services.measure_record,
            form=form,
            patient=self.get_patient(),
            instrument=self.instrument,
            answers=form.answers(),
            answered_at=form.cleaned_data.get("answered_at"),
            entered_by=self.request.user,
            success="Thank you: your answers are saved.",
        )
        if error:
            return self.form_invalid(form)
        return redirect(self.success_target())


class StaffQuestionnaireView(QuestionnaireView):
    """A staff member enters a patient's answers (e.g. read out by phone)."""

    allowed_roles = STAFF_ROLES

    def get_patient(self) -> Patient:
        if not hasattr(self, "_patient"):
            self._patient = get_object_or_404(
                patient_list(user=self.request.user), pk=self.kwargs["pk"]
            )
        return self._patient

    def success_target(self):
        return reverse("practice:patient-detail", args=[self.get_patient().pk]) + "#measures"


class PortalQuestionnaireView(QuestionnaireView):
    """A patient answers a questionnaire in the portal."""

    allowed_roles = frozenset({PATIENT})

    def get_patient(self) -> Patient:
        if not hasattr(self, "_patient"):
            self._patient = patient_list(user=self.request.user).get()
        return self._patient

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["due"] = measures_due(patient=self.get_patient())
        return context

    def success_target(self):
        return "practice:portal"
