"""Ledger pages: stock, a lot's ledger, entries and reversals, the quick waste flow after a
dose, counts, inventories and reports. Admins and medical staff only (others: 403), other
clinics' objects 404; thin: every write is a service call."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView, TemplateView

from backend.audit import audit_access
from backend.errors import DomainError
from backend.roles import staff_for
from backend.scoping import get_visible_or_404
from backend.views import RoleRequiredMixin
from backend.views import ServiceFormView as BaseServiceFormView
from controlled import forms, reports, selectors, services
from controlled.choices import MANUAL_KINDS, CountStatus, EntryKind
from controlled.models import LEDGER_ROLES, Inventory, LedgerEntry, PhysicalCount
from practice.models import DosingRecord


class LedgerPageMixin(RoleRequiredMixin):
    """Admins and medical staff (times are clinic-local, as on every page)."""

    allowed_roles = LEDGER_ROLES

    @property
    def form_kwargs_base(self):
        return {"clinic_id": self.actor.clinic_id, "me_id": self.actor.staff_id}


class ServiceFormView(LedgerPageMixin, BaseServiceFormView):
    """The project's page pattern (`backend.views.ServiceFormView`) on the ledger pages."""

    template_name = "controlled/form.html"


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


def _lot_or_404(request, pk):
    try:
        return selectors.lot_get(user=request.user, pk=pk)
    except selectors.Lot.DoesNotExist as exc:
        raise Http404 from exc


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


class EntryRecordView(ServiceFormView):
    success_message = "Entry recorded."

    def dispatch(self, request, *args, **kwargs):
        if kwargs["kind"] not in MANUAL_KINDS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    @property
    def lot(self):
        if not hasattr(self, "_lot"):
            self._lot = _lot_or_404(self.request, self.kwargs["pk"])
        return self._lot

    @property
    def kind(self):
        return EntryKind(self.kwargs["kind"])

    @property
    def page_title(self):
        return f"{self.kind.label} · lot {self.lot.lot_number}"

    @property
    def intro(self):
        return (
            f"{self.lot.product} · balance {self.lot.balance_mg} mg "
            f"({self.lot.product.units_for(self.lot.balance_mg)} {self.lot.product.unit_label})."
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), **self.form_kwargs_base, "kind": self.kind}

    def get_form_class(self):
        return forms.EntryForm

    def call(self, form):
        data = dict(form.cleaned_data)
        return services.entry_record(
            lot=self.lot, kind=self.kind, staff=staff_for(self.request.user), **data
        )

    def redirect_to(self, entry):
        return reverse("controlled:lot-detail", args=[entry.lot_id])


class EntryReverseView(ServiceFormView):
    form_class = forms.ReverseForm
    success_message = "Reversing entry recorded; the original stays in the ledger."

    @property
    def entry(self):
        if not hasattr(self, "_entry"):
            self._entry = get_object_or_404(
                selectors.entry_list(user=self.request.user), pk=self.kwargs["pk"]
            )
        return self._entry

    @property
    def page_title(self):
        return f"Reverse entry #{self.entry.seq} of lot {self.entry.lot.lot_number}"

    @property
    def intro(self):
        e = self.entry
        return (
            f"{e.get_kind_display()} of {e.quantity_mg} mg on "
            f"{timezone.localtime(e.occurred_at):%Y-%m-%d %H:%M} by {e.staff.display_name}. "
            "A reversing entry of the opposite quantity will reference it."
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), **self.form_kwargs_base}

    def call(self, form):
        return services.entry_reverse(
            entry=self.entry, staff=staff_for(self.request.user), **form.cleaned_data
        )

    def redirect_to(self, entry):
        return reverse("controlled:lot-detail", args=[entry.lot_id])


class WasteForDoseView(ServiceFormView):
    """The end of a dosing session: waste the unused remainder, with a witness. The page
    shows what was drawn, given and wasted; the first waste states the draw if the dose did
    not record it."""

    form_class = forms.WasteForDoseForm
    template_name = "controlled/waste_for_dose.html"
    page_title = "Record waste with a witness"
    success_message = "Waste recorded and witnessed."

    def get_dosing(self):
        if not hasattr(self, "_dosing"):
            dosing = get_visible_or_404(
                DosingRecord.objects.select_related("session__patient", "administered_by__user"),
                user=self.request.user,
                pk=self.kwargs["dosing_pk"],
            )
            self._dosing = dosing
            self._administration = services.active_administration(dosing)
            self._draw = (
                selectors.dose_draw(dosing_record=dosing, administration=self._administration)
                if self._administration is not None
                else None
            )
        return self._dosing

    def get_form_kwargs(self):
        self.get_dosing()
        draw_known = self._draw is not None and self._draw.drawn_mg is not None
        return {**super().get_form_kwargs(), **self.form_kwargs_base, "draw_known": draw_known}

    def get_initial(self):
        self.get_dosing()
        if self._draw is not None and self._draw.left_mg is not None:
            return {"quantity_mg": self._draw.left_mg}
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["dosing"] = self.get_dosing()
        context["administration"] = self._administration
        context["draw"] = self._draw
        context["entries"] = selectors.entries_for_dosing(
            user=self.request.user, dosing_record=self._dosing
        )
        return context

    def call(self, form):
        dosing = self.get_dosing()
        if self._administration is None:
            raise DomainError(
                "This dose has no administration in the ledger yet, so there is no drawn "
                "dose to waste from."
            )
        data = dict(form.cleaned_data)
        return services.entry_record(
            lot=self._administration.lot,
            kind=EntryKind.WASTE,
            staff=staff_for(self.request.user),
            dosing_record=dosing,
            **data,
        )

    def redirect_to(self, entry):
        return reverse("controlled:dosing-waste", args=[entry.dosing_record_id])


class NoticeAcknowledgeView(ServiceFormView):
    """A loss notice: what was lost, and the button that takes it off your home page."""

    form_class = forms.AcknowledgeForm
    template_name = "controlled/notice.html"
    page_title = "Loss notice"
    success_message = "Notice acknowledged."

    @property
    def notice(self):
        if not hasattr(self, "_notice"):
            self._notice = get_object_or_404(
                selectors.loss_notice_list(user=self.request.user), pk=self.kwargs["pk"]
            )
        return self._notice

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "notice": self.notice}

    def call(self, form):
        return services.loss_notice_acknowledge(notice=self.notice, by=staff_for(self.request.user))

    def redirect_to(self, notice):
        target = self.request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return target
        return reverse("controlled:stock")


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


def _download(body, content_type, filename):
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ReportsView(LedgerPageMixin, FormView):
    template_name = "controlled/reports.html"
    form_class = forms.LogForm

    def get_initial(self):
        today = timezone.localdate()
        return {"start": today.replace(day=1), "end": today}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "start" in self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        fmt = request.GET.get("as")
        if form.is_bound and form.is_valid() and fmt in ("pdf", "csv"):
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            clinic = staff_for(self.request.user).clinic
            if fmt == "pdf":
                body = reports.administration_log_pdf(clinic=clinic, start=start, end=end)
                return _download(body, "application/pdf", f"controlled-log-{start}-{end}.pdf")
            body = reports.administration_log_csv(clinic=clinic, start=start, end=end)
            return _download(body, "text/csv", f"controlled-log-{start}-{end}.csv")
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["inventories"] = selectors.inventory_list(user=self.request.user)[:10]
        context["oldest"] = (
            LedgerEntry.objects.for_clinic(self.actor.clinic_id).order_by("occurred_at").first()
        )
        return context
