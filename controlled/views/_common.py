"""What every ledger page shares: the role gate, the service form view, a lot of the
requester's clinic, and file downloads."""

from django.http import Http404, HttpResponse

from backend.views import RoleRequiredMixin
from backend.views import ServiceFormView as BaseServiceFormView
from controlled import selectors
from controlled.models import LEDGER_ROLES


class LedgerPageMixin(RoleRequiredMixin):
    """Admins and medical staff (times are clinic-local, as on every page)."""

    allowed_roles = LEDGER_ROLES

    @property
    def form_kwargs_base(self):
        return {"clinic_id": self.actor.clinic_id, "me_id": self.actor.staff_id}


class ServiceFormView(LedgerPageMixin, BaseServiceFormView):
    """The project's page pattern (`backend.views.ServiceFormView`) on the ledger pages."""

    template_name = "controlled/form.html"


def _lot_or_404(request, pk):
    try:
        return selectors.lot_get(user=request.user, pk=pk)
    except selectors.Lot.DoesNotExist as exc:
        raise Http404 from exc


def _download(body, content_type, filename):
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
