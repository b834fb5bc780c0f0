"""Count pages: a lot's count, discrepancies and their resolution, DEA inventories and
their files."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import TemplateView

from backend.audit import audit_access
from backend.roles import staff_for
from controlled import forms, reports, selectors, services
from controlled.choices import CountStatus
from controlled.models import Inventory, PhysicalCount
from controlled.views._common import LedgerPageMixin, ServiceFormView, _download, _lot_or_404


class CountRecordView(ServiceFormView):
    form_class = forms.CountForm
    success_message = "Count recorded."

    @property
    def lot(self):
        if not hasattr(self, "_lot"):
            self._lot = _lot_or_404(self.request, self.kwargs["pk"])
        return self._lot

    @property
    def page_title(self):
        return f"Count lot {self.lot.lot_number}"

    @property
    def intro(self):
        return (
            f"{self.lot.product}. Count what is on the shelf, with a second staff member, "
            "before looking at the ledger balance."
        )

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            **self.form_kwargs_base,
            "unit": self.lot.product.unit_label,
        }

    def call(self, form):
        return services.count_record(
            lot=self.lot, counted_by=staff_for(self.request.user), **form.cleaned_data
        )

    def redirect_to(self, count):
        return reverse("controlled:count-detail", args=[count.pk])


class CountListView(LedgerPageMixin, TemplateView):
    template_name = "controlled/count_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = selectors.count_list(user=self.request.user)
        context["open_counts"] = counts.filter(status=CountStatus.OPEN)
        context["counts"] = counts.exclude(status=CountStatus.OPEN)[:100]
        return context


class CountDetailView(ServiceFormView):
    form_class = forms.ResolveForm
    template_name = "controlled/count_detail.html"
    success_message = "Discrepancy explained."

    @property
    def count(self) -> PhysicalCount:
        if not hasattr(self, "_count"):
            self._count = get_object_or_404(
                selectors.count_list(user=self.request.user), pk=self.kwargs["pk"]
            )
            audit_access(self._count)
        return self._count

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), **self.form_kwargs_base}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "count": self.count}

    def call(self, form):
        return services.count_resolve(
            count=self.count, resolved_by=staff_for(self.request.user), **form.cleaned_data
        )

    def redirect_to(self, count):
        return reverse("controlled:count-detail", args=[count.pk])


class InventoryListView(LedgerPageMixin, TemplateView):
    template_name = "controlled/inventory_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["inventories"] = selectors.inventory_list(user=self.request.user)
        context["biennial_due"] = selectors.biennial_due(clinic_id=self.actor.clinic_id)
        return context


class InventoryCreateView(ServiceFormView):
    form_class = forms.InventoryForm
    template_name = "controlled/inventory_form.html"
    page_title = "Take an inventory"
    success_message = "Inventory recorded."

    def get_form_kwargs(self):
        lots = selectors.lot_list(user=self.request.user, in_stock_only=True)
        return {**super().get_form_kwargs(), **self.form_kwargs_base, "lots": list(lots)}

    def call(self, form):
        data = form.cleaned_data
        return services.inventory_take(
            clinic=staff_for(self.request.user).clinic,
            kind=data["kind"],
            taken_on=data["taken_on"],
            time_of_day=data["time_of_day"],
            counts=form.counts(),
            taken_by=staff_for(self.request.user),
            second_counter=data["second_counter"],
            second_counter_password=data["second_counter_password"],
            notes=data["notes"],
        )

    def redirect_to(self, inventory):
        return reverse("controlled:inventory-detail", args=[inventory.pk])


def _inventory_or_404(request, pk) -> Inventory:
    try:
        inventory = selectors.inventory_get(user=request.user, pk=pk)
    except Inventory.DoesNotExist as exc:
        raise Http404 from exc
    audit_access(inventory)
    return inventory


class InventoryDetailView(LedgerPageMixin, TemplateView):
    template_name = "controlled/inventory_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        inventory = _inventory_or_404(self.request, self.kwargs["pk"])
        context.update(reports.inventory_report(inventory=inventory))
        return context


class InventoryFileView(LedgerPageMixin, TemplateView):
    def get(self, request, pk, fmt):
        if fmt not in ("pdf", "csv"):
            raise Http404
        inventory = _inventory_or_404(request, pk)
        if fmt == "pdf":
            body, content_type = reports.inventory_pdf(inventory=inventory), "application/pdf"
        else:
            body, content_type = reports.inventory_csv(inventory=inventory), "text/csv"
        return _download(body, content_type, f"inventory-{inventory.taken_on}.{fmt}")
