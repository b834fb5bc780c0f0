"""Billing pages: the admin's review queue and month-end, a patient's ledger, superbill
downloads (admins and the patient themself), and the patient portal's superbill list."""

import functools
import logging

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from backend.audit import audit_access
from backend.errors import DomainError
from backend.roles import ADMIN, PATIENT, staff_for
from backend.scoping import get_visible_or_404
from backend.views import ProgressPageMixin, RoleRequiredMixin, run_service
from billing import forms, selectors, stripe_gateway
from billing.choices import BulkItemOutcome
from billing.errors import WebhookRefused
from billing.models import (
    BulkIssueRun,
    Charge,
    GoodFaithEstimate,
    Payment,
    PaymentPlan,
    SavedCard,
    Superbill,
)
from billing.services import cards as card_services
from billing.services import catalogue as catalogue_services
from billing.services import charges as charge_services
from billing.services import estimates as estimate_services
from billing.services import payments as payment_services
from billing.services import superbills as superbill_services
from practice.models import Patient
from practice.selectors import staff_list

ADMINS = frozenset({ADMIN})
log = logging.getLogger(__name__)


class BillingHomeView(RoleRequiredMixin, TemplateView):
    """The admin's billing desk: charges to review, sessions nothing could be suggested
    for, month-end superbills."""

    allowed_roles = ADMINS
    template_name = "billing/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            queue=selectors.review_queue(user=user).select_related("patient")[:200],
            uncharged=selectors.sessions_without_charges(clinic_id=self.actor.clinic_id)[:50],
            month_form=forms.MonthForm(),
            outcomes=BulkItemOutcome,
            runs=BulkIssueRun.objects.visible_to(user).prefetch_related("items__patient")[:5],
            superbills=selectors.superbill_list(user=user)[:20],
            claim_counts=selectors.claim_counts(user=user),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "suggest":
            count, _ = run_service(
                request, charge_services.charges_suggest_pending, clinic_id=self.actor.clinic_id
            )
            if count is not None:
                messages.success(request, f"{count} charge(s) suggested from completed sessions.")
        elif action == "month":
            form = forms.MonthForm(request.POST)
            if form.is_valid():
                run, _ = run_service(
                    request,
                    superbill_services.bulk_issue_start,
                    clinic=staff_for(request.user).clinic,
                    month=form.cleaned_data["month"],
                    started_by=staff_for(request.user),
                    success="Month-end superbills are being issued.",
                )
                if run is not None:
                    return redirect("billing:run", pk=run.pk)
            else:
                messages.error(request, "Choose a month.")
        elif action in ("approve", "void"):
            charge = get_visible_or_404(Charge, user=request.user, pk=request.POST.get("charge"))
            if action == "approve":
                run_service(
                    request,
                    charge_services.charge_approve,
                    charge=charge,
                    approved_by=staff_for(request.user),
                    success=f"{charge.code} for {charge.patient} approved.",
                )
            else:
                run_service(
                    request,
                    charge_services.charge_void,
                    charge=charge,
                    reason=request.POST.get("reason") or "Not billable",
                    success=f"{charge.code} for {charge.patient} withdrawn.",
                )
        return redirect(request.POST.get("next") or reverse("billing:home"))


class RunView(RoleRequiredMixin, ProgressPageMixin, TemplateView):
    """A month-end run: its live progress ("n of N", polled as a fragment while it runs),
    then what it issued (with links), refused (with the reasons) and found nothing for."""

    allowed_roles = ADMINS
    template_name = "billing/run.html"
    progress_body = "billing/_run_progress.html"

    def get_progress(self):
        return selectors.bulk_run_progress(user=self.request.user, pk=self.kwargs["pk"])


class LedgerView(RoleRequiredMixin, TemplateView):
    """A patient's account: balance, charges, payments, plans, superbills, and the forms
    that change them."""

    allowed_roles = ADMINS
    template_name = "billing/ledger.html"

    def get_patient(self) -> Patient:
        patient = get_visible_or_404(Patient, user=self.request.user, pk=self.kwargs["pk"])
        return patient

    def providers(self):
        return staff_list(clinic_id=self.actor.clinic_id).exclude(npi="")

    def estimate_form(self, patient, data=None):
        return forms.EstimateForm(data, plans=patient.plans.order_by("-created_at"))

    def enrollments(self, patient):
        return selectors.retreat_enrollments_to_price(patient=patient)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        patient = kwargs.get("patient") or self.get_patient()
        if self.request.method == "GET":
            audit_access(patient)
        context.update(selectors.patient_ledger(patient=patient))
        context.update(
            patient=patient,
            payment_form=kwargs.get("payment_form") or forms.PaymentForm(),
            plan_form=kwargs.get("plan_form") or forms.PlanForm(),
            period_form=kwargs.get("period_form") or forms.PeriodForm(),
            charge_form=kwargs.get("charge_form") or forms.ChargeForm(providers=self.providers()),
            scale_form=kwargs.get("scale_form") or forms.SlidingScaleForm(),
            package_form=kwargs.get("package_form") or forms.PackageForm(),
            retreat_package_form=kwargs.get("retreat_package_form")
            or forms.RetreatPackageForm(enrollments=self.enrollments(patient)),
            missing=kwargs.get("missing"),
            estimates=selectors.estimate_overrun(patient_id=patient.pk),
            estimate_list=selectors.patient_estimates(patient_id=patient.pk),
            estimate_form=kwargs.get("estimate_form") or self.estimate_form(patient),
            estimate_missing=kwargs.get("estimate_missing"),
            claims=selectors.patient_claims(patient_id=patient.pk),
            open_charges=selectors.claimable_charges(patient_id=patient.pk).count(),
        )
        if stripe_gateway.configured():
            context.update(
                cards_on=True,
                card_form=kwargs.get("card_form") or forms.CardAmountForm(prefix_id="desk"),
                **selectors.patient_cards(patient=patient),
            )
        return context

    def card_action(self, request, action, patient, staff):
        """The card actions (Stripe): take a card at the desk through Checkout, charge a
        saved card, refund a card payment. None, or the response to send."""
        if not stripe_gateway.configured():
            raise Http404
        if action == "card-refund":
            payment = get_object_or_404(
                Payment.objects.filter(patient=patient), pk=request.POST.get("payment")
            )
            form = forms.CardAmountForm(request.POST, prefix_id=f"refund{payment.pk}")
            if form.is_valid():
                run_service(
                    request,
                    card_services.refund_request,
                    payment=payment,
                    amount=form.cleaned_data["amount"],
                    reason=request.POST.get("reason", "")[:200],
                    requested_by=staff,
                    success="Refund requested: it counts once the card service confirms it.",
                )
            else:
                messages.error(request, "Enter the amount to refund.")
            return None
        form = forms.CardAmountForm(request.POST, prefix_id="desk")
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(patient=patient, card_form=form))
        if action == "card-charge":
            card = get_object_or_404(
                SavedCard.objects.filter(patient=patient, removed_at__isnull=True),
                pk=request.POST.get("card"),
            )
            made, _ = run_service(
                request,
                card_services.saved_card_charge,
                card=card,
                amount=form.cleaned_data["amount"],
                requested_by=staff,
            )
            if made is not None:
                if made.failure:
                    messages.error(request, f"The card was not charged: {made.failure}")
                else:
                    messages.success(request, f"{card} charged.")
            return None
        success, cancel = card_services.return_urls(
            path=reverse("billing:ledger", args=[patient.pk])
        )
        made, _ = run_service(
            request,
            card_services.card_checkout_start,
            patient=patient,
            amount=form.cleaned_data["amount"],
            requested_by=staff,
            success_url=success,
            cancel_url=cancel,
        )
        if made is not None:
            return see_other(made.checkout_url)
        return None

    def form_actions(self, patient, staff) -> dict:
        """action → (context name of its form, form factory, service, the service's fixed
        arguments, success message): the ledger's forms that call one service each."""
        return {
            "payment": (
                "payment_form",
                forms.PaymentForm,
                payment_services.payment_record,
                {"patient": patient, "recorded_by": staff},
                "Payment recorded and applied to the oldest open charges.",
            ),
            "plan": (
                "plan_form",
                forms.PlanForm,
                payment_services.payment_plan_create,
                {"patient": patient, "created_by": staff},
                "Payment plan created.",
            ),
            "charge": (
                "charge_form",
                functools.partial(forms.ChargeForm, providers=self.providers()),
                charge_services.charge_create,
                {"patient": patient, "approved_by": staff},
                "Charge added.",
            ),
            "scale": (
                "scale_form",
                forms.SlidingScaleForm,
                catalogue_services.sliding_scale_set,
                {"patient": patient},
                "Sliding scale set: new charges are discounted.",
            ),
            "package": (
                "package_form",
                forms.PackageForm,
                catalogue_services.package_create,
                {"patient": patient, "created_by": staff},
                "Package added: the next covered sessions are charged a share of it.",
            ),
            "retreat-package": (
                "retreat_package_form",
                functools.partial(forms.RetreatPackageForm, enrollments=self.enrollments(patient)),
                catalogue_services.retreat_package_create,
                {"created_by": staff},
                "Retreat package added: its sessions are charged a share of it.",
            ),
        }

    def post(self, request, *args, **kwargs):
        patient = self.get_patient()
        staff = staff_for(request.user)
        action = request.POST.get("action")
        extra = {}
        form_actions = self.form_actions(patient, staff)
        if action in ("card-checkout", "card-charge", "card-refund"):
            response = self.card_action(request, action, patient, staff)
            if response is not None:
                return response
        elif action in form_actions:
            name, make_form, service, fixed, success = form_actions[action]
            form = make_form(request.POST)
            if form.is_valid():
                # A refusal naming the form's fields is shown under them, on the open form
                # with what was typed kept; any other, as a message above.
                _, error = run_service(
                    request, service, form=form, success=success, **fixed, **form.cleaned_data
                )
                if error and form.errors:
                    extra[name] = form
            else:
                extra[name] = form
        elif action == "scale-remove":
            run_service(
                request,
                catalogue_services.sliding_scale_remove,
                patient=patient,
                success="Sliding scale removed: new charges are at the standard fee.",
            )
        elif action == "issue":
            form = forms.PeriodForm(request.POST)
            if form.is_valid():
                superbill, error = run_service(
                    request,
                    superbill_services.superbill_issue,
                    patient=patient,
                    issued_by=staff,
                    **form.cleaned_data,
                )
                if superbill:
                    messages.success(request, f"Superbill {superbill.number} issued.")
                elif getattr(error, "missing", None):
                    extra["missing"] = error.missing
            else:
                extra["period_form"] = form
        elif action == "estimate":
            form = self.estimate_form(patient, request.POST)
            if form.is_valid():
                estimate, error = run_service(
                    request,
                    estimate_services.estimate_issue,
                    plan=form.cleaned_data["plan"],
                    self_pay=form.cleaned_data["self_pay"],
                    issued_by=staff,
                )
                if estimate:
                    messages.success(
                        request, f"Good Faith Estimate version {estimate.version} issued."
                    )
                elif getattr(error, "missing", None):
                    extra["estimate_missing"] = error.missing
                    extra["estimate_form"] = form
            else:
                extra["estimate_form"] = form
        elif action in ("void", "correct"):
            superbill = get_object_or_404(
                Superbill.objects.filter(patient=patient), pk=request.POST.get("superbill")
            )
            reason = request.POST.get("reason", "")
            if action == "void":
                run_service(
                    request,
                    superbill_services.superbill_void,
                    superbill=superbill,
                    voided_by=staff,
                    reason=reason,
                    success=f"{superbill.number} is void.",
                )
            else:
                new, error = run_service(
                    request,
                    superbill_services.superbill_correct,
                    superbill=superbill,
                    corrected_by=staff,
                    reason=reason,
                )
                if new:
                    messages.success(request, f"{superbill.number} is void; {new.number} issued.")
                elif getattr(error, "missing", None):
                    extra["missing"] = error.missing
        if extra:
            return self.render_to_response(self.get_context_data(patient=patient, **extra))
        return redirect(reverse("billing:ledger", args=[patient.pk]))


class SuperbillPdfView(RoleRequiredMixin, View):
    """The issued PDF, byte for byte (checked against its SHA-256); an audited access.
    Admins of the clinic and the patient themself; anyone else gets 404."""

    allowed_roles = frozenset({ADMIN, PATIENT})

    def get(self, request, pk):
        try:
            superbill = selectors.superbill_get(user=request.user, pk=pk)
        except Superbill.DoesNotExist as exc:
            raise Http404 from exc
        data, error = run_service(
            request, superbill_services.superbill_pdf_bytes, superbill=superbill
        )
        if error:
            return HttpResponse(error.message, status=409, content_type="text/plain")
        audit_access(superbill)
        response = HttpResponse(data, content_type="application/pdf")
        disposition = "inline" if request.GET.get("inline") else "attachment"
        response["Content-Disposition"] = f'{disposition}; filename="{superbill.number}.pdf"'
        return response


class EstimatePdfView(RoleRequiredMixin, View):
    """A Good Faith Estimate's PDF exactly as issued; an audited access. Admins of the
    clinic and the patient themself; anyone else gets 404."""

    allowed_roles = frozenset({ADMIN, PATIENT})

    def get(self, request, pk):
        estimate = get_visible_or_404(GoodFaithEstimate, user=request.user, pk=pk)
        data, error = run_service(request, estimate_services.estimate_pdf_bytes, estimate=estimate)
        if error:
            return HttpResponse(error.message, status=409, content_type="text/plain")
        audit_access(estimate)
        response = HttpResponse(data, content_type="application/pdf")
        disposition = "inline" if request.GET.get("inline") else "attachment"
        response["Content-Disposition"] = (
            f'{disposition}; filename="good-faith-estimate-v{estimate.version}.pdf"'
        )
        return response


class PortalSuperbillsView(RoleRequiredMixin, TemplateView):
    """A patient's superbills, to download and send to their insurer."""

    allowed_roles = frozenset({PATIENT})
    template_name = "billing/portal_superbills.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["superbills"] = selectors.superbill_list(user=self.request.user)
        context["balance"] = selectors.patient_balance(patient_id=self.actor.patient_id)
        context["estimates"] = selectors.estimate_list(user=self.request.user)
        return context


def see_other(url: str) -> HttpResponse:
    """A 303 to `url` (Stripe's hosted Checkout page)."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


class PortalPaymentsView(RoleRequiredMixin, TemplateView):
    """A patient pays their balance by card (Stripe Checkout, hosted), saves a card and
    lets it pay their plan's instalments. Answers 404 while card payments are off."""

    allowed_roles = frozenset({PATIENT})
    template_name = "billing/portal_payments.html"

    def dispatch(self, request, *args, **kwargs):
        if not stripe_gateway.configured():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_patient(self) -> Patient:
        return Patient.objects.select_related("clinic").get(pk=self.actor.patient_id)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        patient = self.get_patient()
        balance = selectors.patient_balance(patient_id=patient.pk)
        payable = card_services.payable_amount(patient=patient, balance=balance)
        context.update(selectors.patient_cards(patient=patient))
        context.update(
            patient=patient,
            balance=balance,
            payable=payable,
            pay_form=kwargs.get("pay_form")
            or forms.CardAmountForm(initial={"amount": payable}, prefix_id="pay"),
            plans=PaymentPlan.objects.filter(patient=patient, status="active").select_related(
                "autopay__card"
            ),
            returned=self.request.GET.get("checkout", ""),
        )
        return context

    def post(self, request, *args, **kwargs):
        patient = self.get_patient()
        action = request.POST.get("action")
        success, cancel = card_services.portal_return_urls()
        made = None
        if action == "pay":
            form = forms.CardAmountForm(request.POST, prefix_id="pay")
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(pay_form=form))
            made, _ = run_service(
                request,
                card_services.card_checkout_start,
                patient=patient,
                amount=form.cleaned_data["amount"],
                success_url=success,
                cancel_url=cancel,
            )
        elif action == "save-card":
            made, _ = run_service(
                request,
                card_services.card_setup_start,
                patient=patient,
                success_url=success,
                cancel_url=cancel,
            )
        elif action == "remove-card":
            card = get_object_or_404(
                SavedCard.objects.filter(patient=patient), pk=request.POST.get("card")
            )
            run_service(
                request, card_services.saved_card_remove, card=card, success="Card removed."
            )
        elif action in ("autopay", "autopay-off"):
            plan = get_object_or_404(
                PaymentPlan.objects.filter(patient=patient), pk=request.POST.get("plan")
            )
            if action == "autopay-off":
                run_service(
                    request,
                    card_services.autopay_cancel,
                    plan=plan,
                    success="Automatic payment stopped.",
                )
            else:
                card = get_object_or_404(
                    SavedCard.objects.filter(patient=patient), pk=request.POST.get("card")
                )
                run_service(
                    request,
                    card_services.autopay_set,
                    plan=plan,
                    card=card,
                    success="Your instalments will be charged to this card on their due dates.",
                )
        if made is not None:
            return see_other(made.checkout_url)
        return redirect("billing:portal-payments")


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's events (the source of truth for card money). The signature is checked
    against the signing secret: 400 and nothing changed when it fails; 200 for a replay,
    which changes nothing. Audited by event id and type only (no patient data)."""
    if not stripe_gateway.configured():
        raise Http404
    try:
        event, new = card_services.stripe_event_handle(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except WebhookRefused as exc:
        log.warning("Stripe webhook refused: %s", exc.message)
        return HttpResponse(exc.message, status=400, content_type="text/plain")
    except DomainError as exc:
        # Not applied (e.g. Stripe could not be asked about a saved card): Stripe retries.
        log.warning("Stripe webhook not applied: %s", exc.code)
        return HttpResponse("Try again later.", status=503, content_type="text/plain")
    log.info(
        "Stripe event %s %s: %s", event.event_id, event.type, event.outcome if new else "replay"
    )
    return HttpResponse("ok" if new else "already received", content_type="text/plain")
