"""Who reads and who writes billing through the API, and the create step its resources share."""

from rest_framework import status
from rest_framework.response import Response

from backend.roles import ADMIN, PATIENT, staff_for
from backend.scoping import get_visible_or_404
from practice.models import Patient

BILLING_READERS = frozenset({ADMIN, PATIENT})
ADMINS = frozenset({ADMIN})


def create_for_patient(view, request, *, payload_class, service, actor: str) -> Response:
    """Validate `payload_class` from the request, find its `patient` among those the
    requester may see (404 otherwise), call `service` with the staff member as `actor`, and
    answer 201 with the made row read back through the view's queryset and serializer."""
    payload = payload_class(data=request.data)
    payload.is_valid(raise_exception=True)
    data = dict(payload.validated_data)
    data["patient"] = get_visible_or_404(Patient, user=request.user, pk=data["patient"])
    made = service(**{actor: staff_for(request.user)}, **data)
    made = view.get_queryset().get(pk=made.pk)
    return Response(view.get_serializer_class()(made).data, status=status.HTTP_201_CREATED)
