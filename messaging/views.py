"""Messaging pages: the delivery log, resending a failed message, the patient's preferences,
and secure messaging (the portal's messages, the staff inbox, a thread with its answers)."""

from django.contrib import messages as flash
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, ListView

from backend.roles import ADMIN, PATIENT, STAFF_ROLES
from backend.scoping import get_visible_or_404
from backend.views import RoleRequiredMixin, ServiceFormView, run_service
from messaging.forms import (
    ClearFlagForm,
    DeliveryLogFilter,
    PreferencesForm,
    ThreadReplyForm,
    ThreadStartForm,
)
from messaging.models import MessagePreference, Thread
from messaging.selectors import reminder_list, thread_list, thread_messages
from messaging.services import outbox, threads
from messaging.services.preferences import messaging_preferences_update
from practice.models import CareTeam, Patient

CRISIS_NOTE = (
    "If you are thinking of harming yourself, please do not wait for an answer here: call or "
    "text 988 (Suicide & Crisis Lifeline) now, or call 911."
)


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
        # The signed-in patient with their clinic, read once when their role was resolved
        # (`actor_for`): the initial values, the context and the save all use it.
        return self.request.user.patient

    def get_initial(self):
        if self.request.method == "POST":
            # A posted form shows and saves what was posted; its initial values go unused.
            return {}
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


class ThreadListView(RoleRequiredMixin, ListView):
    """The staff inbox, or the patient's messages: flagged first, then unread, then newest."""

    template_name = "messaging/thread_list.html"
    context_object_name = "threads"
    paginate_by = 50

    def get_queryset(self):
        return thread_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["portal"] = self.actor.is_patient
        # actor_for loaded the person with their clinic: no query.
        person = (
            self.request.user.patient if self.actor.is_patient else self.request.user.staff_member
        )
        context["clinic"] = person.clinic
        # The page is loaded already: counting its flagged threads costs no query.
        context["flagged_count"] = sum(1 for t in context["threads"] if t.flagged)
        return context


class InboxView(ThreadListView):
    allowed_roles = STAFF_ROLES


class PortalMessagesView(ThreadListView):
    allowed_roles = frozenset({PATIENT})


class PortalThreadStartView(ServiceFormView):
    """The patient writes to their care team."""

    allowed_roles = frozenset({PATIENT})
    template_name = "messaging/thread_start.html"
    form_class = ThreadStartForm
    page_title = "Write to your care team"
    success_message = "Your message was sent to your care team."

    def call(self, form):
        patient = Patient.objects.select_related("clinic").get(pk=self.actor.patient_id)
        return threads.thread_start(
            author=self.request.user,
            patient=patient,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
        )

    def get_success_message(self, thread) -> str:
        if thread.last_message.flagged:
            flash.warning(self.request, CRISIS_NOTE)
        return self.success_message

    def redirect_to(self, thread):
        return reverse("messaging:portal-thread", args=[thread.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["clinic"] = self.request.user.patient.clinic  # loaded by actor_for
        return context


class ThreadDetailView(RoleRequiredMixin, View):
    """One thread with its messages and a reply form (staff: and clearing the flag). Opening
    it marks it read for the reader. A thread the reader may not see answers 404."""

    template_name = "messaging/thread_detail.html"

    def thread(self, pk) -> Thread:
        return get_visible_or_404(
            Thread.objects.select_related("clinic", "patient", "flag_cleared_by"),
            user=self.request.user,
            pk=pk,
        )

    def render_page(self, thread, *, reply_form=None, flag_form=None, status=200):
        context = {
            "thread": thread,
            "clinic": thread.clinic,
            "thread_messages": list(thread_messages(thread=thread)),
            "reply_form": reply_form or ThreadReplyForm(),
            "flag_form": flag_form or ClearFlagForm(),
            "portal": self.actor.is_patient,
            "list_url": reverse(self.list_url_name),
            "can_answer": self.actor.is_patient
            or CareTeam.objects.filter(
                patient_id=thread.patient_id, staff_id=self.actor.staff_id
            ).exists(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        thread = self.thread(pk)
        threads.thread_mark_read(user=request.user, thread=thread)
        return self.render_page(thread)

    def post(self, request, pk):
        thread = self.thread(pk)
        form = ThreadReplyForm(request.POST)
        if not form.is_valid():
            return self.render_page(thread, reply_form=form, status=400)
        message, error = run_service(
            request,
            threads.thread_reply,
            form=form,
            author=request.user,
            thread=thread,
            body=form.cleaned_data["body"],
            success="Your answer was sent." if not self.actor.is_patient else "Message sent.",
        )
        if error:
            return self.render_page(thread, reply_form=form, status=error.status_code)
        if message.flagged:
            flash.warning(request, CRISIS_NOTE)
        return redirect(request.path)


class InboxThreadView(ThreadDetailView):
    allowed_roles = STAFF_ROLES
    list_url_name = "messaging:inbox"


class PortalThreadView(ThreadDetailView):
    allowed_roles = frozenset({PATIENT})
    list_url_name = "messaging:portal-messages"


class ThreadClearFlagView(RoleRequiredMixin, View):
    """Staff clear a thread's self-harm flag with a note."""

    allowed_roles = STAFF_ROLES

    def post(self, request, pk):
        thread = get_visible_or_404(Thread, user=request.user, pk=pk)
        form = ClearFlagForm(request.POST)
        if form.is_valid():
            run_service(
                request,
                threads.thread_clear_flag,
                user=request.user,
                thread=thread,
                note=form.cleaned_data["note"],
                success="The flag is cleared; your note is kept with the thread.",
            )
        else:
            flash.error(request, "Say what was done before clearing the flag.")
        return redirect("messaging:inbox-thread", pk=thread.pk)
