"""Practice pages: patient list and record, patient forms, clinician dashboard, portal."""

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import DetailView, FormView, ListView, TemplateView

from backend.audit import audit_access
from backend.roles import ADMIN, PATIENT, STAFF_ROLES
from backend.views import RoleRequiredMixin, run_service
from practice import services
from practice.forms import PatientForm
from practice.models import Patient
from practice.selectors import patient_list


class PatientListView(RoleRequiredMixin, ListView):
    allowed_roles = STAFF_ROLES
    template_name = "practice/patient_list.html"
    paginate_by = 25
    context_object_name = "patients"

    def get_queryset(self):
        return patient_list(user=self.request.user, search=self.request.GET.get("q", ""))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["q"] = self.request.GET.get("q", "")
        return context


class PatientDetailView(RoleRequiredMixin, DetailView):
    allowed_roles = STAFF_ROLES
    template_name = "practice/patient_detail.html"
    context_object_name = "patient"

    def get_queryset(self):
        return patient_list(user=self.request.user)

    def get_object(self, queryset=None):
        patient = super().get_object(queryset)
        audit_access(patient)
        return patient

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.actor.role == ADMIN:
            context["audit_trail"] = (
                LogEntry.objects.filter(
                    content_type=ContentType.objects.get_for_model(Patient),
                    object_id=self.object.pk,
                )
                .select_related("actor")
                .order_by("-timestamp")[:50]
            )
        return context


class PatientFormView(RoleRequiredMixin, FormView):
    """Create a patient, or edit one (admins)."""

    allowed_roles = frozenset({ADMIN})
    template_name = "practice/patient_form.html"
    form_class = PatientForm

    def get_patient(self):
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(
            Patient.objects.visible_to(self.request.user), pk=self.kwargs["pk"]
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_patient()
        return kwargs

    def form_valid(self, form):
        patient = form.instance if form.instance.pk else None
        data = {name: form.cleaned_data[name] for name in form.fields}
        try:
            if patient:
                patient, error = run_service(
                    self.request,
                    services.patient_update,
                    patient=patient,
                    success="Patient details saved.",
                    **data,
                )
            else:
                patient, error = run_service(
                    self.request,
                    services.patient_create,
                    clinic=self.request.user.staff_member.clinic,
                    success="Patient registered.",
                    **data,
                )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        if error:
            return self.form_invalid(form)
        return redirect(reverse("practice:patient-detail", args=[patient.pk]))


class DashboardView(RoleRequiredMixin, TemplateView):
    """A clinician's home: their care-team patients (later issues add the day's work)."""

    allowed_roles = STAFF_ROLES
    template_name = "practice/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["patients"] = patient_list(user=self.request.user)[:50]
        return context


class PortalView(RoleRequiredMixin, TemplateView):
    """A patient's home in the portal: their own details."""

    allowed_roles = frozenset({PATIENT})
    template_name = "practice/portal.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            patient = patient_list(user=self.request.user).get()
        except Patient.DoesNotExist as exc:  # pragma: no cover - a patient always sees themself
            raise Http404 from exc
        audit_access(patient)
        context["patient"] = patient
        return context
