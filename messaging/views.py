"""Messaging pages: the delivery log, resending a failed message, the patient's preferences."""

from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView, ListView

from backend.roles import ADMIN, PATIENT
from backend.views import RoleRequiredMixin, run_service
from messaging.forms import DeliveryLogFilter, PreferencesForm
from messaging.models import MessagePreference
from messaging.selectors import reminder_list
from messaging.services import outbox
from messaging.services.preferences import messaging_preferences_update
from practice.models import Patient


class DeliveryLogView(RoleRequiredMixin, ListView):
    """Every message of the clinic: filter by patient, status and kind; resend a failed one."""

    allowed_roles = frozenset({ADMIN})
    template_name = "messaging/delivery_log.html"
    context_object_name = "reminders"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = DeliveryLogFilter(
            self.request.GET or None,
            patients=Patient.objects.visible_to(self.request.user),
        )
        return self.filter_form.apply(reminder_list(user=self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


class ReminderResendView(RoleRequiredMixin, View):
    allowed_roles = frozenset({ADMIN})

    def post(self, request, pk):
        reminder = get_object_or_404(reminder_list(user=request.user), pk=pk)
        run_service(
            request,
            outbox.reminder_resend,
            reminder=reminder,
            success=f"The {reminder.get_kind_display().lower()} to "
            f"{reminder.patient.full_name} will be sent again within a minute.",
        )
        return redirect(request.POST.get("next") or "messaging:delivery-log")


class PreferencesView(RoleRequiredMixin, FormView):
    """The patient chooses, per kind of message, email, text, both or none."""

    allowed_roles = frozenset({PATIENT})
    template_name = "messaging/preferences.html"
    form_class = PreferencesForm

    @property
    def patient(self):
        return Patient.objects.select_related("clinic").get(pk=self.actor.patient_id)

    def get_initial(self):
        patient = self.patient
        messaging = outbox.patient_messaging(patient)
        initial = {
            "sms_consent": messaging.sms_consent,
            "share_session_type": messaging.share_session_type,
            "quiet_hours_start": messaging.quiet_hours_start,
            "quiet_hours_end": messaging.quiet_hours_end,
        }
        chosen = dict(
            MessagePreference.objects.filter(patient=patient).values_list("kind", "channel")
        )
        for kind, default in outbox.DEFAULT_CHANNELS.items():
            initial[f"channel_{kind}"] = chosen.get(kind, default)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        patient = self.patient
        context["patient"] = patient
        context["messaging"] = outbox.patient_messaging(patient)
        context["clinic_quiet"] = outbox.clinic_settings(patient.clinic)
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        _, error = run_service(
            self.request,
            messaging_preferences_update,
            form=form,
            patient=self.patient,
            channels=form.channels(),
            sms_consent=data["sms_consent"],
            share_session_type=data["share_session_type"],
            quiet_hours_start=data["quiet_hours_start"],
            quiet_hours_end=data["quiet_hours_end"],
            success="Your message preferences are saved.",
        )
        if error:
            return self.form_invalid(form)
        return redirect("messaging:preferences")
