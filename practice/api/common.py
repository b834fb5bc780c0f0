"""Helpers shared by the practice API modules."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from practice.models import Patient


def staff_of(request):
    """The requesting staff member (RolePermission has already checked the role)."""
    return request.user.staff_member


@extend_schema_field(OpenApiTypes.INT)
class VisiblePatientField(serializers.PrimaryKeyRelatedField):
    """A patient id the requester may see; any other id is 'does not exist'."""

    def get_queryset(self):
        return Patient.objects.visible_to(self.context["request"].user)
