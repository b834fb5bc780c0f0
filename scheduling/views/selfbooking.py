"""Patients booking their own sessions: the portal page, the admins' queue of requests and
the clinic's self-booking settings. Each write is one call to scheduling.services.selfbooking."""

from collections import defaultdict

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from backend.roles import PATIENT, staff_for
from backend.scoping import get_visible_or_404
from backend.views import RoleRequiredMixin, ServiceFormView, run_service
from practice.choices import SessionKind, SessionModality
from practice.models import Patient, StaffMember
from scheduling import selectors
from scheduling.choices import BookingRequestStatus
from scheduling.forms import BookingDeclineForm, SelfBookingSettingsForm, SelfBookSlotForm
from scheduling.models import BookingRequest
from scheduling.services import selfbooking
from scheduling.views._common import ADMIN_ONLY, clinic_of

PATIENT_ONLY = frozenset({PATIENT})


class PortalBookView(RoleRequiredMixin, TemplateView):
    """Choose a kind, see the care team's free slots by day (clinic time), book or request
    one; my requests with their status below."""

    allowed_roles = PATIENT_ONLY
    template_name = "scheduling/portal_book.html"

    def patient(self) -> Patient:
        return Patient.objects.select_related("clinic").get(pk=self.actor.patient_id)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        patient = self.patient()
        policy = selectors.scheduling_policy_for(patient.clinic)
        kinds = [(k, SessionKind(k).label) for k in policy.self_booking_kinds]
        kind = self.request.GET.get("kind")
        if kind not in dict(kinds):
            kind = kinds[0][0] if kinds else None
        modality = self.request.GET.get("modality")
        if modality not in SessionModality.values:
            modality = SessionModality.IN_PERSON
        days = defaultdict(list)
        if kind:
            for slot in selfbooking.self_booking_slots(patient=patient, kind=kind):
                days[patient.clinic.date_of(slot.starts_at)].append(slot)
        context.update(
            patient=patient,
            clinic=patient.clinic,
            policy=policy,
            kinds=kinds,
            kind=kind,
            modalities=SessionModality.choices,
            modality=modality,
            days=sorted(days.items()),
            requests=selectors.booking_request_list(user=self.request.user)[:20],
        )
        return context

    def post(self, request, *args, **kwargs):
        form = SelfBookSlotForm(request.POST)
        back = reverse("scheduling:portal-book")
        if not form.is_valid():
            messages.error(request, "Choose one of the free times below.")
            return redirect(back)
        patient = self.patient()
        data = form.cleaned_data
        clinician = (
            StaffMember.objects.for_clinic(patient.clinic_id).filter(pk=data["clinician"]).first()
        )
        if clinician is None:
            messages.error(request, "You can book only with a clinician on your care team.")
            return redirect(back)
        made, _ = run_service(
            request,
            selfbooking.booking_request_create,
            patient=patient,
            clinician=clinician,
            kind=data["kind"],
            modality=data["modality"] or SessionModality.IN_PERSON,
            starts_at=data["starts_at"],
        )
        if made is not None:
            if made.status == BookingRequestStatus.CONFIRMED:
                messages.success(request, "Booked. It is on your schedule.")
            else:
                messages.success(request, "Requested. The clinic will confirm it.")
        return redirect(f"{back}?kind={data['kind']}&modality={data['modality'] or 'in_person'}")


class PortalBookingWithdrawView(RoleRequiredMixin, View):
    allowed_roles = PATIENT_ONLY

    def post(self, request, pk):
        found = get_visible_or_404(BookingRequest, user=request.user, pk=pk)
        run_service(
            request,
            selfbooking.booking_request_withdraw,
            success="Request withdrawn.",
            booking_request=found,
            patient=Patient.objects.get(pk=self.actor.patient_id),
        )
        return redirect("scheduling:portal-book")


class BookingRequestQueueView(RoleRequiredMixin, TemplateView):
    """Admins: the patients' requests waiting for a decision, then the latest decided."""

    allowed_roles = ADMIN_ONLY
    template_name = "scheduling/booking_requests.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = selectors.booking_request_list(user=self.request.user)
        context.update(
            clinic=clinic_of(self.actor),
            waiting=list(visible.filter(status=BookingRequestStatus.REQUESTED)),
            decided=list(
                visible.exclude(status=BookingRequestStatus.REQUESTED).order_by(
                    "-decided_at", "-pk"
                )[:20]
            ),
            decline_form=BookingDeclineForm(),
        )
        return context


class BookingRequestDecideView(RoleRequiredMixin, View):
    """POST approve or decline (with a message) one request; a refusal (the slot was taken
    meanwhile) is shown on the queue and the request stays open."""

    allowed_roles = ADMIN_ONLY
    decision = "approve"

    def post(self, request, pk):
        found = get_visible_or_404(BookingRequest, user=request.user, pk=pk)
        by = staff_for(request.user)
        if self.decision == "approve":
            run_service(
                request,
                selfbooking.booking_request_approve,
                success="Approved and booked; the patient is told to sign in.",
                booking_request=found,
                by=by,
            )
        else:
            form = BookingDeclineForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Tell the patient why, or what to do instead.")
            else:
                run_service(
                    request,
                    selfbooking.booking_request_decline,
                    success="Declined; the patient reads your message in the portal.",
                    booking_request=found,
                    by=by,
                    message=form.cleaned_data["message"],
                )
        return redirect("scheduling:booking-requests")


class SelfBookingSettingsView(ServiceFormView):
    """Admins: which kinds patients book themselves, how far ahead, and who confirms."""

    allowed_roles = ADMIN_ONLY
    template_name = "scheduling/self_booking_settings.html"
    form_class = SelfBookingSettingsForm
    page_title = "Self-booking"
    success_message = "Self-booking settings saved."

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = selectors.scheduling_policy_for(clinic_of(self.actor))
        return kwargs

    def call(self, form):
        return selfbooking.self_booking_settings_update(
            clinic=clinic_of(self.actor), **form.cleaned_data
        )

    def redirect_to(self, result):
        return reverse("scheduling:self-booking-settings")


__all__ = [
    "BookingRequestDecideView",
    "BookingRequestQueueView",
    "PortalBookView",
    "PortalBookingWithdrawView",
    "SelfBookingSettingsView",
]
