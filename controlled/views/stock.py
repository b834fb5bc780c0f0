"""Stock pages: products, the DEA registration, stock on hand, a lot's ledger, receiving a
lot."""

from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from backend.audit import audit_access
from backend.roles import staff_for
from controlled import forms, selectors, services
from controlled.choices import MANUAL_KINDS
from controlled.views._common import LedgerPageMixin, ServiceFormView, _lot_or_404


class ProductCreateView(ServiceFormView):
    form_class = forms.ProductForm
    page_title = "Add a product"
    intro = (
        "A product is a substance in a finished form: strength per mL (vial) or per troche, "
        "and the mL or troches in one commercial container."
    )
    success_message = "Product added."

    def call(self, form):
        return services.product_create(
            clinic=staff_for(self.request.user).clinic, **form.cleaned_data
        )

    def redirect_to(self, product):
        return reverse("controlled:lot-receive")


class RegistrationView(ServiceFormView):
    """The clinic's DEA registration, printed on every report (admins)."""

    allowed_roles = frozenset({"admin"})
    form_class = forms.RegistrationForm
    page_title = "DEA registration"
    success_message = "Registration saved."

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = selectors.registration_for(self.actor.clinic_id)
        if kwargs["instance"] is None:
            kwargs["initial"] = {"registrant_name": staff_for(self.request.user).clinic.name}
        return kwargs

    def call(self, form):
        return services.registration_set(
            clinic=staff_for(self.request.user).clinic, **form.cleaned_data
        )

    def redirect_to(self, registration):
        return reverse("controlled:stock")


class StockView(LedgerPageMixin, TemplateView):
    template_name = "controlled/stock.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.stock_summary(user=self.request.user))
        context["registration"] = selectors.registration_for(self.actor.clinic_id)
        context["biennial_due"] = selectors.biennial_due(clinic_id=self.actor.clinic_id)
        context["has_inventory"] = selectors.inventory_list(user=self.request.user).exists()
        context["today"] = timezone.localdate()
        context["show_empty"] = self.request.GET.get("empty") == "1"
        return context


class LotDetailView(LedgerPageMixin, TemplateView):
    template_name = "controlled/lot_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lot = _lot_or_404(self.request, self.kwargs["pk"])
        audit_access(lot)
        context["lot"] = lot
        context["entries"] = selectors.entry_list(user=self.request.user, lot=lot)
        context["counts"] = selectors.count_list(user=self.request.user).filter(lot=lot)[:10]
        context["manual_kinds"] = [(k.value, k.label) for k in MANUAL_KINDS]
        context["expired"] = lot.is_expired()
        return context


class LotReceiveView(ServiceFormView):
    form_class = forms.LotReceiveForm
    page_title = "Receive a lot"
    intro = (
        "Record controlled substances received, from the invoice or packing slip. The receipt "
        "entry starts the lot's ledger."
    )
    success_message = "Lot received."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "clinic_id": self.actor.clinic_id}

    def call(self, form):
        data = dict(form.cleaned_data)
        return services.lot_receive(received_by=staff_for(self.request.user), **data)

    def redirect_to(self, lot):
        return reverse("controlled:lot-detail", args=[lot.pk])
