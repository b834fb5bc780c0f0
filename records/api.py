"""Right of access over the API: the patient's own record, and a clinic admin's records
request for a patient of the clinic. Each in two formats, always as an attachment.

    GET /api/v1/me/record.fhir.json          the patient's own (FHIR R4 Bundle)
    GET /api/v1/me/record.pdf                the patient's own (readable PDF)
    GET /api/v1/patients/{id}/record.fhir.json   clinic admin
    GET /api/v1/patients/{id}/record.pdf         clinic admin

Another patient's or another clinic's id answers 404; a role that may not ask, 403.
"""

from django.http import Http404, HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from backend.api import ScopedMixin
from backend.roles import ADMIN, PATIENT
from practice.models import Patient
from records.exports import FHIR_CONTENT_TYPE, record_release


def attachment(release) -> HttpResponse:
    response = HttpResponse(release.content, content_type=release.content_type)
    response["Content-Disposition"] = f'attachment; filename="{release.filename}"'
    response["Cache-Control"] = "no-store"
    return response


def released(user, patient_id, fmt) -> HttpResponse:
    try:
        return attachment(record_release(user=user, patient_id=patient_id, fmt=fmt))
    except Patient.DoesNotExist as exc:
        raise Http404 from exc


FHIR_RESPONSE = {(200, FHIR_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.OBJECT)}
PDF_RESPONSE = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)}


class _RecordView(ScopedMixin, APIView):
    fmt = "fhir"

    def get_queryset(self):  # pragma: no cover - no queryset: record_release scopes
        return Patient.objects.none()


class MyRecordView(_RecordView):
    """The signed-in patient's designated record set."""

    read_roles = frozenset({PATIENT})

    def get(self, request):
        return released(request.user, self.actor.patient_id, self.fmt)


class PatientRecordView(_RecordView):
    """A records request: the clinic admin produces a patient's designated record set."""

    read_roles = frozenset({ADMIN})

    def get(self, request, pk):
        return released(request.user, pk, self.fmt)


def _documented(view, fmt):
    schema = FHIR_RESPONSE if fmt == "fhir" else PDF_RESPONSE
    cls = type(f"{view.__name__}{fmt.title()}", (view,), {"fmt": fmt})
    cls.get = extend_schema(responses=schema, operation_id=None)(cls.get)
    return cls.as_view()


urlpatterns = [
    path("me/record.fhir.json", _documented(MyRecordView, "fhir"), name="my-record-fhir"),
    path("me/record.pdf", _documented(MyRecordView, "pdf"), name="my-record-pdf"),
    path(
        "patients/<int:pk>/record.fhir.json",
        _documented(PatientRecordView, "fhir"),
        name="patient-record-fhir",
    ),
    path(
        "patients/<int:pk>/record.pdf",
        _documented(PatientRecordView, "pdf"),
        name="patient-record-pdf",
    ),
]
