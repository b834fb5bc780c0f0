"""Data for onboarding's panels on pages practice owns (the patient page, the portal)."""

from django import template
from django.utils import timezone

from onboarding.selectors import intake_for_patient, invitation_latest
from practice.models import CareTeam

register = template.Library()


@register.simple_tag
def intake_panel(patient, actor):
    """The patient page's panel: the intake, the latest invitation and whether the reader
    may invite (admins and the care team; the page already scoped the patient)."""
    if actor is None or not actor.is_staff_member:
        return None
    invitation = invitation_latest(patient=patient)
    return {
        "submission": intake_for_patient(patient=patient),
        "invitation": invitation,
        "invitation_state": {
            "open": "waiting for the patient",
            "used": "used",
            "revoked": "replaced",
            "expired": "expired",
        }[invitation.state(timezone.now())]
        if invitation
        else "",
        "may_invite": actor.is_admin
        or CareTeam.objects.filter(patient=patient, staff_id=actor.staff_id).exists(),
    }


@register.simple_tag
def portal_intake_panel(patient):
    """The portal's nudge: the intake while it is still to be submitted."""
    return intake_for_patient(patient=patient)
