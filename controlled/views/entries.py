"""Entry pages: manual entries, reversals, the quick waste flow after a dose and
acknowledging a loss notice."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from backend.errors import DomainError
from backend.roles import staff_for
from backend.scoping import get_visible_or_404
from controlled import forms, selectors, services
from controlled.choices import MANUAL_KINDS, EntryKind
from controlled.views._common import ServiceFormView, _lot_or_404
from practice.models import DosingRecord


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
