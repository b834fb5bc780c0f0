"""The biller's claim pages: the claims list (by status) with 837P batches, making a claim
from a patient's open charges, a claim's page (lines, history, CMS-1500, status by hand,
sending a denied claim again) and importing an 835 remittance. Admins of the clinic only;
another clinic's claim or remittance answers 404."""

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import ListView, TemplateView

from backend.audit import audit_access, audit_records
from backend.filters import MAX_ID
from backend.roles import ADMIN, staff_for
from backend.scoping import get_visible_or_404
from backend.views import RoleRequiredMixin, ServiceFormView, run_service
from billing import forms, selectors
from billing.choices import ClaimStatus
from billing.errors import ClaimIncomplete, ClaimRefused
from billing.models import Claim, ClaimBatch
from billing.services import claims as claim_services
from practice.models import Patient

ADMINS = frozenset({ADMIN})


def claim_or_404(request, pk) -> Claim:
    try:
        return selectors.claim_get(user=request.user, pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def next_statuses(claim: Claim) -> list[ClaimStatus]:
    """The statuses a claim may be given by hand, in the order of the choices."""
    allowed = claim_services.STATUS_CHANGES[claim.status]
    return [status for status in ClaimStatus if status in allowed]


def batch_download(batch: ClaimBatch) -> HttpResponse:
    """The 837P file as an attachment; its name is the batch's control number (no PHI).
    The claims it carries are named in the request's audit row."""
    audit_records(batch.claims.all())
    response = HttpResponse(batch.x12, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="837p-{batch.control_number:09d}.txt"'
    return response


class ClaimListView(RoleRequiredMixin, ListView):
    """The clinic's claims, newest first, filtered by status; draft claims are chosen here
    for an 837P batch."""

    allowed_roles = ADMINS
    template_name = "billing/claim_list.html"
    context_object_name = "claims"
    paginate_by = 50
    FILTERS = [ClaimStatus.DRAFT, ClaimStatus.SUBMITTED, ClaimStatus.PAID, ClaimStatus.DENIED]

    @cached_property
    def status(self) -> str:
        status = self.request.GET.get("status", "")
        return status if status in ClaimStatus.values else ""

    def get_queryset(self):
        return selectors.claim_page_list(user=self.request.user, status=self.status)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            status=self.status,
            filters=[(s.value, s.label) for s in self.FILTERS],
            batches=ClaimBatch.objects.visible_to(self.request.user).defer("x12")[:5],
            clinic=staff_for(self.request.user).clinic,
            statuses=ClaimStatus,
        )
        return context


class ClaimBatchView(RoleRequiredMixin, View):
    """POST the chosen draft claims: their 837P file is recorded (the claims become
    submitted) and downloaded. A refusal is a message on the list; nothing changes."""

    allowed_roles = ADMINS

    def post(self, request):
        chosen = request.POST.getlist("claims")
        ids = {int(i) for i in chosen if i.isdigit() and 0 < int(i) <= MAX_ID}
        if len(ids) != len(set(chosen)):
            raise Http404  # an id no claim can have, as one the user cannot see
        claims = list(selectors.claim_list(user=request.user).filter(pk__in=ids))
        if len(claims) != len(ids):
            raise Http404
        batch, _ = run_service(
            request,
            claim_services.claim_batch_create,
            claims=claims,
            created_by=staff_for(request.user),
        )
        if batch is None:
            return redirect(f"{reverse('billing:claims')}?status={ClaimStatus.DRAFT}")
        return batch_download(batch)


class ClaimBatchFileView(RoleRequiredMixin, View):
    """An earlier batch's 837P file, exactly as generated (to send it again)."""

    allowed_roles = ADMINS

    def get(self, request, pk):
        return batch_download(get_visible_or_404(ClaimBatch, user=request.user, pk=pk))


class ClaimCreateView(ServiceFormView):
    """Make a claim for a patient from their open charges; a refusal lists every missing
    element, as the superbill's does, and creates nothing."""

    allowed_roles = ADMINS
    template_name = "billing/claim_form.html"
    form_class = forms.ClaimForm
    missing: list[str] = []

    @cached_property
    def patient(self) -> Patient:
        return get_visible_or_404(Patient, user=self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["charges"] = selectors.claimable_charges(patient_id=self.patient.pk)
        return kwargs

    def get_initial(self):
        return {"payer_id": self.patient.insurance_payer_id}

    def get_context_data(self, **kwargs):
        if self.request.method == "GET":
            audit_access(self.patient)
        context = super().get_context_data(**kwargs)
        context.update(patient=self.patient, missing=self.missing)
        return context

    def call(self, form):
        try:
            return claim_services.claim_create(
                patient=self.patient,
                charge_ids=[c.pk for c in form.cleaned_data["charges"]],
                payer_id=form.cleaned_data["payer_id"],
                created_by=staff_for(self.request.user),
            )
        except ClaimIncomplete as exc:
            # Shown as the list under the form's one-line refusal, as the superbill's is.
            self.missing = exc.missing
            raise ClaimRefused("The claim was not made. Fix these first:") from exc

    def get_success_message(self, result) -> str:
        return f"Claim {result.control_number} made: a draft, ready for a batch."

    def redirect_to(self, result):
        return reverse("billing:claim", args=[result.pk])


class ClaimDetailView(RoleRequiredMixin, TemplateView):
    """A claim: its lines, history (status, note, who, when in the clinic's zone), the
    CMS-1500, a status recorded by hand, and a denied claim put back to be sent again."""

    allowed_roles = ADMINS
    template_name = "billing/claim_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        claim = kwargs.get("claim") or claim_or_404(self.request, self.kwargs["pk"])
        if self.request.method == "GET":
            audit_access(claim)
        statuses = next_statuses(claim)
        context.update(
            claim=claim,
            clinic=claim.clinic,
            history=selectors.claim_history(claim=claim),
            status_form=kwargs.get("status_form") or forms.ClaimStatusForm(statuses=statuses),
            resubmit_form=kwargs.get("resubmit_form") or forms.ClaimResubmitForm(),
            can_resubmit=claim.status == ClaimStatus.DENIED,
        )
        return context

    def post(self, request, pk):
        claim = claim_or_404(request, pk)
        staff = staff_for(request.user)
        action = request.POST.get("action")
        if action == "status":
            form = forms.ClaimStatusForm(request.POST, statuses=next_statuses(claim))
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(claim=claim, status_form=form))
            run_service(
                request,
                claim_services.claim_set_status,
                claim=claim,
                by=staff,
                success="Status recorded.",
                **form.cleaned_data,
            )
        elif action == "resubmit":
            form = forms.ClaimResubmitForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(
                    self.get_context_data(claim=claim, resubmit_form=form)
                )
            run_service(
                request,
                claim_services.claim_resubmit,
                claim=claim,
                by=staff,
                success="The claim is a draft again: choose it for the next batch.",
                **form.cleaned_data,
            )
        return redirect("billing:claim", pk=claim.pk)


class ClaimCms1500View(RoleRequiredMixin, View):
    """The claim as a CMS-1500 (02/12) PDF; an audited access."""

    allowed_roles = ADMINS

    def get(self, request, pk):
        claim = claim_or_404(request, pk)
        data, error = run_service(request, claim_services.claim_cms1500_pdf, claim=claim)
        if error:
            return HttpResponse(error.message, status=409, content_type="text/plain")
        audit_access(claim)
        response = HttpResponse(data, content_type="application/pdf")
        disposition = "inline" if request.GET.get("inline") else "attachment"
        response["Content-Disposition"] = (
            f'{disposition}; filename="cms1500-{claim.control_number}.pdf"'
        )
        return response


class RemittanceUploadView(ServiceFormView):
    """Upload an 835: payments posted and claims settled, then its result page. A file
    that is not an 835, or names a claim the clinic never sent, is a form error and
    posts nothing."""

    allowed_roles = ADMINS
    template_name = "billing/remittance_form.html"
    form_class = forms.RemittanceForm
    page_title = "Import an 835 remittance"

    def call(self, form):
        staff = staff_for(self.request.user)
        return claim_services.remittance_import(
            clinic=staff.clinic, text=form.cleaned_data["file"], imported_by=staff
        )

    def get_success_message(self, result) -> str:
        return f"835 {result.trace_number} imported."

    def redirect_to(self, result):
        return reverse("billing:remittance", args=[result.pk])


class RemittanceView(RoleRequiredMixin, TemplateView):
    """What an imported 835 did: claims paid, partly paid and denied, payments posted."""

    allowed_roles = ADMINS
    template_name = "billing/remittance.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            summary = selectors.remittance_summary(user=self.request.user, pk=self.kwargs["pk"])
        except ObjectDoesNotExist as exc:
            raise Http404 from exc
        audit_records(claim for claim, _, _ in summary.rows)
        context.update(summary=summary, statuses=ClaimStatus)
        return context
