"""The pages: the invitation link, the patient's intake in the portal, and the staff's
intake list, review and invitation."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import ListView, TemplateView

from backend.audit import audit_access
from backend.errors import DomainError
from backend.roles import MEDICAL, PATIENT, STAFF_ROLES, staff_for
from backend.scoping import get_visible_or_404
from backend.views import RoleRequiredMixin, run_service
from onboarding import services
from onboarding.choices import IntakeStatus, IntakeStep
from onboarding.errors import InvitationUnusable
from onboarding.forms import InvitationForm, ScreeningAnswersForm, SetPasswordForm, step_form_class
from onboarding.models import IntakeSubmission
from onboarding.selectors import intake_checklist, intake_for_patient, intake_get, intake_list
from practice.models import Patient

# --- The invitation link (no login: the token is the credential) --------------------------


@method_decorator(never_cache, name="dispatch")
class InvitationAcceptView(View):
    """`/invite/<token>/`: choose a password, get a portal login, land on the intake.
    An unknown, expired, used or revoked link gets one clear page and creates nothing."""

    template_name = "onboarding/invitation_accept.html"

    def refused(self, request, error):
        return render(
            request, "onboarding/invitation_unusable.html", {"error": error.message}, status=400
        )

    def get(self, request, token):
        try:
            invitation = services.invitation_check(token=token)
        except InvitationUnusable as error:
            return self.refused(request, error)
        return self.page(request, invitation, SetPasswordForm())

    def post(self, request, token):
        try:
            invitation = services.invitation_check(token=token)
        except InvitationUnusable as error:
            return self.refused(request, error)
        form = SetPasswordForm(request.POST)
        if form.is_valid():
            try:
                user = services.invitation_accept(
                    token=token, password=form.cleaned_data["password1"]
                )
            except InvitationUnusable as error:
                return self.refused(request, error)
            except DomainError as error:
                problems = error.extra.get("fields", {}).get("password")
                form.add_error("password1" if problems else None, problems or error.message)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, "Welcome. Your account is ready: start your intake.")
                return redirect("onboarding:portal-intake")
        return self.page(request, invitation, form)

    def page(self, request, invitation, form):
        context = {"form": form, "clinic": invitation.clinic, "username": invitation.email}
        # The site's Referrer-Policy (same-origin) keeps the link from other sites; a stricter
        # no-referrer here would make the browser send "Origin: null", which CSRF refuses.
        return render(request, self.template_name, context)


# --- The patient's intake in the portal --------------------------------------------------


class PortalIntakeMixin(RoleRequiredMixin):
    allowed_roles = frozenset({PATIENT})

    def get_patient(self) -> Patient:
        patient = self.request.user.patient
        audit_access(patient)
        return patient

    def get_submission(self) -> IntakeSubmission:
        patient = self.get_patient()
        submission = intake_for_patient(patient=patient)
        if submission is None:
            # A patient the clinic signed up without an invitation still has an intake.
            submission = IntakeSubmission(clinic_id=patient.clinic_id, patient=patient)
        else:
            audit_access(submission)
        return submission


class PortalIntakeView(PortalIntakeMixin, TemplateView):
    """The intake's steps, each marked done or to do, and the submit button."""

    template_name = "onboarding/portal_intake.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(submission=self.get_submission(), patient=self.get_patient())
        return context


class PortalIntakeStepView(PortalIntakeMixin, TemplateView):
    """One step: its form, saved with `intake_update`; back to the list of steps."""

    template_name = "onboarding/portal_intake_step.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["step"] not in IntakeStep.values:
            raise Http404("No such step.")
        self.step = IntakeStep(kwargs["step"])
        return super().dispatch(request, *args, **kwargs)

    def make_form(self, data=None):
        patient = self.get_patient()
        if self.step == IntakeStep.SCREENING:
            submission = self.get_submission()
            answers = (
                {a.contraindication_id: a for a in submission.answers.all()}
                if submission.pk
                else {}
            )
            return ScreeningAnswersForm(
                data, checklist=intake_checklist(clinic_id=patient.clinic_id), answers=answers
            )
        return step_form_class(self.step)(data, instance=patient)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.make_form())
        context.update(step=self.step, submission=self.get_submission())
        return context

    def post(self, request, *args, **kwargs):
        # A ModelForm validates onto its instance: give it a copy, the service saves.
        form = self.make_form(request.POST)
        if form.is_valid():
            if self.step == IntakeStep.SCREENING:
                data = form.answers()
            else:
                data = {name: form.cleaned_data[name] for name in form.fields}
            _, error = run_service(
                request,
                services.intake_update,
                form=form,
                success=f"Saved: {self.step.label}.",
                patient=Patient.objects.get(pk=self.get_patient().pk),
                steps={self.step.value: data},
            )
            if error is None:
                return redirect("onboarding:portal-intake")
        return self.render_to_response(self.get_context_data(form=form))


class PortalIntakeSubmitView(PortalIntakeMixin, View):
    def post(self, request):
        _, _error = run_service(
            request,
            services.intake_submit,
            success="Thank you: your intake is with the clinic. Medical staff will review it.",
            patient=self.get_patient(),
        )
        return redirect("onboarding:portal-intake")


# --- Staff ---------------------------------------------------------------------------------


class IntakeListView(RoleRequiredMixin, ListView):
    """The clinic's invited patients and how far each got (clinicians: their care team)."""

    template_name = "onboarding/intake_list.html"
    context_object_name = "intakes"
    paginate_by = 50

    def get_queryset(self):
        intakes = intake_list(user=self.request.user)
        status = self.request.GET.get("status")
        if status in IntakeStatus.values:
            intakes = intakes.filter(status=status)
        return intakes.order_by("status", "-updated_at", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(statuses=IntakeStatus.choices, status=self.request.GET.get("status", ""))
        return context


class IntakeDetailView(RoleRequiredMixin, TemplateView):
    """A patient's intake as staff read it: the steps, the answers ("yes" and "not sure"
    first in the eye), and for medical staff the review and the prefilled screening."""

    template_name = "onboarding/intake_detail.html"

    def get_submission(self):
        try:
            submission = intake_get(user=self.request.user, pk=self.kwargs["pk"])
        except (IntakeSubmission.DoesNotExist, ValueError) as exc:
            raise Http404("No intake found.") from exc
        audit_access(submission)
        audit_access(submission.patient)
        return submission

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        submission = self.get_submission()
        answers = list(submission.answers.all())
        context.update(
            submission=submission,
            patient=submission.patient,
            answers=answers,
            attention=sum(1 for a in answers if a.needs_attention),
            can_review=self.actor.role == MEDICAL and submission.status == IntakeStatus.SUBMITTED,
        )
        return context


class IntakeReviewView(RoleRequiredMixin, View):
    allowed_roles = STAFF_ROLES

    def post(self, request, pk):
        submission = get_visible_or_404(IntakeSubmission, user=request.user, pk=pk)
        if self.actor.role != MEDICAL:
            raise PermissionDenied("Only medical staff review an intake.")
        run_service(
            request,
            services.intake_review,
            success="Intake marked reviewed. The patient's screening result is unchanged.",
            submission=submission,
            by=staff_for(request.user),
        )
        return redirect("onboarding:intake-detail", submission.pk)


class PatientInviteView(RoleRequiredMixin, View):
    """From the patient page: send (or send again) the invitation to the portal."""

    def post(self, request, pk):
        patient = get_visible_or_404(Patient, user=request.user, pk=pk)
        form = InvitationForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Enter a valid email address.")
        else:
            run_service(
                request,
                services.invitation_send,
                success="Invitation sent. The link works once and expires in "
                f"{services.settings.INTAKE_INVITATION_DAYS} days.",
                patient=patient,
                by=staff_for(request.user),
                email=form.cleaned_data["email"],
            )
        return redirect(reverse("practice:patient-detail", args=[patient.pk]) + "#intake")
