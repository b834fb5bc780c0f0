"""What every controlled-substance endpoint shares: the base viewset (admins and medical
staff), the milligram field, a staff member by id, and file downloads."""

from django.http import HttpResponse
from rest_framework import serializers

from backend.api import ScopedViewSet
from controlled.models import LEDGER_ROLES
from practice.models import StaffMember

MG_FIELD = {"max_digits": 12, "decimal_places": 2}


def _staff(actor, pk, *, field: str) -> StaffMember | None:
    """A staff member of the requester's clinic by id (None if not given), else 400."""
    if pk is None:
        return None
    staff = StaffMember.objects.for_clinic(actor.clinic_id).select_related("user").filter(pk=pk)
    found = staff.first()
    if found is None:
        raise serializers.ValidationError({field: ["No staff member of this clinic has this id."]})
    return found


class LedgerViewSet(ScopedViewSet):
    read_roles = LEDGER_ROLES
    write_roles = LEDGER_ROLES


def _download(body, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
