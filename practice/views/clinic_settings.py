"""The clinic's clinical settings page (admins): thresholds the safety rules compare against."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views.generic import FormView

from backend.roles import ADMIN, staff_for
from backend.views import RoleRequiredMixin, run_service
from practice import services
from practice.forms import ClinicalSettingsForm
from practice.selectors import clinical_settings_for, contraindication_list
from practice.services.clinical_settings import EDITABLE_FIELDS


class ClinicalSettingsView(RoleRequiredMixin, FormView):
    """Edit the admin's own clinic's settings; bad input re-renders with the reasons per field
    and changes nothing."""

    allowed_roles = frozenset({ADMIN})
    template_name = "practice/clinical_settings.html"
    form_class = ClinicalSettingsForm

    @cached_property
    def settings(self):
        return clinical_settings_for(self.actor.clinic_id)

    def get_initial(self):
        initial = {name: getattr(self.settings, name) for name in EDITABLE_FIELDS}
        initial["measure_after_dose_hours"] = ", ".join(
            str(hours) for hours in self.settings.measure_after_dose_hours
        )
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["settings"] = self.settings
        context["clinic"] = staff_for(self.request.user).clinic
        context["checklist"] = contraindication_list(clinic=self.actor.clinic_id)
        return context

    def form_valid(self, form):
        staff = staff_for(self.request.user)
        try:
            _, error = run_service(
                self.request,
                services.clinical_settings_update,
                clinic=staff.clinic,
                by=staff,
                success="Clinical settings saved. They apply from the next check.",
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        if error:
            return self.render_to_response(self.get_context_data(form=form))
        return redirect("practice:clinical-settings")

    def form_invalid(self, form):
        messages.error(self.request, "Nothing was saved: correct the fields marked below.")
        return super().form_invalid(form)
