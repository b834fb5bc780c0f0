"""Practice pages: patient list and record, patient forms, clinician dashboard, portal."""

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from backend.audit import audit_access
from backend.roles import ADMIN, PATIENT, STAFF_ROLES
from backend.views import RoleRequiredMixin, run_service
from practice import services
from practice.forms import CareTeamForm, DiagnosisForm, PatientForm
from practice.models import Diagnosis, Patient
from practice.selectors import care_team_candidates, clinic_overview, patient_list


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
        context["diagnosis_form"] = DiagnosisForm()
        if self.actor.role == ADMIN:
            context["care_team_form"] = CareTeamForm(
                staff_queryset=care_team_candidates(patient=self.object)
            )
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


class PatientActionView(RoleRequiredMixin, View):
    """A POST from the patient page that calls one service, then returns to the page.

    The patient comes from `patient_list(user=...)`, so one out of reach answers 404.
    A refusal (ValidationError or DomainError) is shown as a message on the page.
    """

    http_method_names = ["post"]

    def post(self, request, pk, **kwargs):
        self.patient = get_object_or_404(patient_list(user=request.user), pk=pk)
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
        diagnosis = get_object_or_404(
            Diagnosis.objects.visible_to(request.user), pk=diagnosis_pk, patient=self.patient
        )
        run_service(
            request,
            services.diagnosis_remove,
            diagnosis=diagnosis,
            success=f"Diagnosis {diagnosis.code} removed.",
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
