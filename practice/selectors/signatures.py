"""Providers' signatures on file."""

from practice.models import ProviderSignature


def provider_signatures_current(*, staff_member_ids) -> dict[int, ProviderSignature]:
    """The current signature of each of these staff members that has one, by staff id."""
    return {
        s.staff_member_id: s
        for s in ProviderSignature.objects.filter(
            staff_member_id__in=list(staff_member_ids), replaced_at__isnull=True
        )
    }
