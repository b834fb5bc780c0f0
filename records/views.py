"""Right of access on the web: the portal's "Your records" downloads and the patient
page's records-request buttons (clinic admin). Same release as the API."""

from django.views import View

from backend.roles import ADMIN, PATIENT
from backend.views import RoleRequiredMixin
from records.api import released


class MyRecordDownloadView(RoleRequiredMixin, View):
    allowed_roles = frozenset({PATIENT})
    fmt = "pdf"

    def get(self, request):
        return released(request.user, self.actor.patient_id, self.fmt)


class PatientRecordDownloadView(RoleRequiredMixin, View):
    allowed_roles = frozenset({ADMIN})
    fmt = "pdf"

    def get(self, request, pk):
        return released(request.user, pk, self.fmt)
