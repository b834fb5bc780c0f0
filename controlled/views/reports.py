"""The reports page: the administration log for a period."""

from django.utils import timezone
from django.views.generic import FormView

from backend.roles import staff_for
from controlled import forms, reports, selectors
from controlled.models import LedgerEntry
from controlled.views._common import LedgerPageMixin, _download


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
                body = reports.administration_log_pdf(
                    clinic=clinic, start=start, end=end, user=request.user
                )
                return _download(body, "application/pdf", f"controlled-log-{start}-{end}.pdf")
            body = reports.administration_log_csv(
                clinic=clinic, start=start, end=end, user=request.user
            )
            return _download(body, "text/csv", f"controlled-log-{start}-{end}.csv")
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["inventories"] = selectors.inventory_list(user=self.request.user)[:10]
        context["oldest"] = (
            LedgerEntry.objects.for_clinic(self.actor.clinic_id).order_by("occurred_at").first()
        )
        return context
