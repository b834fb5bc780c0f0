"""Billing pages: the admin's review queue and month-end, a patient's ledger, superbill
downloads (admins and the patient themself), and the patient portal's superbill list."""

import functools

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from backend.audit import audit_access
from backend.roles import ADMIN, PATIENT, staff_for
from backend.scoping import get_visible_or_404
from backend.views import ProgressPageMixin, RoleRequiredMixin, run_service
from billing import forms, selectors
from billing.choices import BulkItemOutcome
from billing.models import BulkIssueRun, Charge, GoodFaithEstimate, Superbill
from billing.services import catalogue as catalogue_services
from billing.services import charges as charge_services
from billing.services import estimates as estimate_services
from billing.services import payments as payment_services
from billing.services import superbills as superbill_services
from practice.models import Patient
from practice.selectors import staff_list

ADMINS = frozenset({ADMIN})


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
        )
        return context

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
        if action in form_actions:
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
