"""Helpers shared by the practice API modules."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from backend.roles import staff_for
from backend.scoping import VisiblePrimaryKeyRelatedField
from practice.models import Patient


def staff_of(request):
    """The requesting staff member: `backend.roles.staff_for`, kept under this name only
    for practice/api/sessions.py until its owner moves it over."""
    return staff_for(request.user)


@extend_schema_field(OpenApiTypes.INT)
class VisiblePatientField(VisiblePrimaryKeyRelatedField):
    """A patient id the requester may see; any other id is the same 400 'does not exist'
    (the contract these endpoints already had)."""

    not_found_is_404 = False

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Patient.objects.all())
        super().__init__(**kwargs)
