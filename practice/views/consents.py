"""Consent pages: the clinic's templates (admins), a signed consent and its actions (staff),
and the portal's list and sign page (the patient). Every object comes through `visible_to`:
another patient's or clinic's consent answers 404 (an audited denied access)."""

import base64

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, TemplateView

from backend.audit import audit_access, audit_records
from backend.roles import ADMIN, MEDICAL, PATIENT, STAFF_ROLES, staff_for
from backend.scoping import get_visible_or_404
from backend.views import RoleRequiredMixin, ScopedObjectMixin, ServiceFormView, run_service
from practice import services
from practice.api.consents import request_origin
from practice.choices import ConsentKind, ConsentTemplateStatus
from practice.consent_texts import DEFAULT_TEXTS
from practice.forms import ConsentSignForm, ConsentTemplateForm
from practice.models import Consent, ConsentTemplate, Patient
from practice.selectors import (
    consent_gate,
    consent_template_list,
    consent_templates_published,
    consents_of,
)

SIGNERS = frozenset({ADMIN, MEDICAL})


class ConsentTemplateListView(RoleRequiredMixin, TemplateView):
    """Every version of each consent document of the clinic, newest first, with what to do
    next: write the first version, publish a draft, write a new version."""

    allowed_roles = frozenset({ADMIN})
    template_name = "practice/consent_template_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        templates = list(consent_template_list(user=self.request.user))
        audit_records(templates)
        context["kinds"] = [
            (kind, label, [t for t in templates if t.kind == kind])
            for kind, label in ConsentKind.choices
        ]
        return context


class ConsentTemplateCreateView(ServiceFormView):
    """Write a draft version of a document: the first (`?kind=` picks the default text) or,
    from `consent-templates/<pk>/new-version/`, the next one, starting from that version."""

    allowed_roles = frozenset({ADMIN})
    template_name = "practice/consent_template_form.html"
    form_class = ConsentTemplateForm
    page_title = "New consent document version"
    success_message = "Draft saved. Publish it when it is ready for patients to sign."

    def base(self) -> ConsentTemplate | None:
        if "pk" not in self.kwargs:
            return None
        if not hasattr(self, "_base"):
            self._base = get_visible_or_404(
                ConsentTemplate, user=self.request.user, pk=self.kwargs["pk"]
            )
        return self._base

    def get_initial(self):
        base = self.base()
        if base is not None:
            return {
                "kind": base.kind,
                "title": base.title,
                "body": base.body,
                "requires_new_signature": True,
                "requires_countersignature": base.requires_countersignature,
            }
        kind = self.request.GET.get("kind")
        if kind in DEFAULT_TEXTS:
            title, body = DEFAULT_TEXTS[kind]
            return {"kind": kind, "title": title, "body": body}
        return {}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.base() is not None:
            form.fields["kind"].disabled = True
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["base"] = self.base()
        return context

    def call(self, form):
        by = staff_for(self.request.user)
        return services.consent_template_create(clinic_id=by.clinic_id, by=by, **form.cleaned_data)

    def redirect_to(self, template):
        return reverse("practice:consent-template-list") + f"#kind-{template.kind}"


class ConsentTemplatePublishView(RoleRequiredMixin, View):
    allowed_roles = frozenset({ADMIN})
    http_method_names = ["post"]

    def post(self, request, pk):
        template = get_visible_or_404(ConsentTemplate, user=request.user, pk=pk)
        run_service(
            request,
            services.consent_template_publish,
            template=template,
            by=staff_for(request.user),
            success=f"Version {template.version} published; patients sign it in their portal.",
        )
        return redirect(reverse("practice:consent-template-list") + f"#kind-{template.kind}")


class ConsentDetailView(ScopedObjectMixin, DetailView):
    """A signed consent as kept: the text, the drawn signature, who, when, from where, and
    whether the stored hash still matches."""

    allowed_roles = STAFF_ROLES
    model = Consent
    template_name = "practice/consent_detail.html"
    context_object_name = "consent"

    def get_queryset(self):
        return super().get_queryset().select_related("patient__clinic", "template")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        consent = self.object
        context["verified"] = services.consent_verify(consent=consent)
        context["signature_data_url"] = (
            "data:image/png;base64," + base64.b64encode(bytes(consent.signature_png)).decode()
        )
        return context


class ConsentActionView(RoleRequiredMixin, View):
    """A POST from the patient page's consents panel calling one service, then back."""

    allowed_roles = SIGNERS
    http_method_names = ["post"]

    def post(self, request, pk):
        consent = get_visible_or_404(Consent, user=request.user, pk=pk)
        self.act(request, consent)
        return redirect(reverse("practice:patient-detail", args=[consent.patient_id]) + "#consents")

    def act(self, request, consent):  # pragma: no cover - abstract
        raise NotImplementedError


class ConsentCountersignView(ConsentActionView):
    def act(self, request, consent):
        run_service(
            request,
            services.consent_countersign,
            consent=consent,
            by=staff_for(request.user),
            success="Consent countersigned.",
        )


class ConsentRevokeView(ConsentActionView):
    def act(self, request, consent):
        run_service(
            request,
            services.consent_revoke,
            consent=consent,
            user=request.user,
            reason=request.POST.get("reason", ""),
            success="Consent revoked; it is kept with the reason.",
        )


class ConsentPdfView(RoleRequiredMixin, View):
    """The signed consent as PDF, for the patient (their own) and staff (per the care
    team); an audited access. The file name carries no patient identifier."""

    allowed_roles = STAFF_ROLES | {PATIENT}

    def get(self, request, pk):
        consent = get_visible_or_404(
            Consent.objects.select_related("patient__clinic", "template", "countersigned_by__user"),
            user=request.user,
            pk=pk,
        )
        response = HttpResponse(services.consent_pdf(consent=consent), "application/pdf")
        response["Content-Disposition"] = f'inline; filename="consent-{consent.pk}.pdf"'
        return response


def _own_patient(user) -> Patient:
    patient = Patient.objects.visible_to(user).select_related("clinic").get()
    audit_access(patient)
    return patient


class PortalConsentsView(RoleRequiredMixin, TemplateView):
    """The patient's consents: what the clinic asks them to sign now, and what they signed."""

    allowed_roles = frozenset({PATIENT})
    template_name = "practice/portal_consents.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        patient = _own_patient(self.request.user)
        published = list(consent_templates_published(clinic_id=patient.clinic_id))
        gate = consent_gate(patient=patient, kinds=[t.kind for t in published])
        signed = list(consents_of(patient=patient))
        audit_records(signed)
        context.update(
            patient=patient,
            to_sign=[t for t in published if t.kind in gate.missing],
            signed=signed,
        )
        return context


class PortalConsentSignView(ServiceFormView):
    """Read a document and sign it: typed name and a drawing on the signature pad."""

    allowed_roles = frozenset({PATIENT})
    template_name = "practice/portal_consent_sign.html"
    form_class = ConsentSignForm
    success_message = "Signed. Thank you; a copy is in your consents."

    @property
    def template(self) -> ConsentTemplate:
        # Fetched after the role check (a staff member gets 403, not a 404 that reveals).
        if not hasattr(self, "_template"):
            self._template = get_visible_or_404(
                ConsentTemplate.objects.filter(status=ConsentTemplateStatus.PUBLISHED),
                user=self.request.user,
                pk=self.kwargs["pk"],
            )
        return self._template

    def get(self, request, *args, **kwargs):
        self.template  # noqa: B018 - 404 before any form for a template out of reach
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.template  # noqa: B018
        return super().post(request, *args, **kwargs)

    def text(self) -> str:
        if not hasattr(self, "_text"):
            self.patient = _own_patient(self.request.user)
            self._text = services.consent_render(template=self.template, patient=self.patient)
        return self._text

    def get_initial(self):
        from practice.services.consents import text_sha256

        return {"text_sha256": text_sha256(self.text())}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(template=self.template, text=self.text(), page_title=self.template.title)
        return context

    def call(self, form):
        self.text()
        return services.consent_sign(
            template=self.template,
            patient=self.patient,
            user=self.request.user,
            signed_name=form.cleaned_data["signed_name"],
            signature=form.cleaned_data["signature"],
            shown_text_sha256=form.cleaned_data["text_sha256"] or None,
            **request_origin(self.request),
        )

    def redirect_to(self, consent):
        return reverse("practice:portal-consents")
