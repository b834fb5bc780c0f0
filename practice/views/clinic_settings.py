"""The clinic's clinical settings page (admins): thresholds the safety rules compare against."""

from django.contrib import messages
from django.utils.functional import cached_property

from backend.roles import ADMIN, staff_for
from backend.views import ServiceFormView
from practice import services
from practice.forms import ClinicalSettingsForm
from practice.selectors import clinical_settings_for, contraindication_list
from practice.services.clinical_settings import EDITABLE_FIELDS


class ClinicalSettingsView(ServiceFormView):
    """Edit the admin's own clinic's settings; bad input re-renders with the reasons per field
    and changes nothing."""

    allowed_roles = frozenset({ADMIN})
    template_name = "practice/clinical_settings.html"
    form_class = ClinicalSettingsForm
    success_message = "Clinical settings saved. They apply from the next check."

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

    def call(self, form):
        staff = staff_for(self.request.user)
        return services.clinical_settings_update(clinic=staff.clinic, by=staff, **form.cleaned_data)

    def redirect_to(self, result):
        return "practice:clinical-settings"

    def form_invalid(self, form):
        messages.error(self.request, "Nothing was saved: correct the fields marked below.")
        return super().form_invalid(form)
