"""Data for onboarding's panels on pages practice owns (the patient page, the portal)."""

from django import template
from django.utils import timezone

from onboarding.selectors import intake_for_patient, invitation_latest

register = template.Library()


@register.simple_tag
def intake_panel(patient, actor):
    """The patient page's panel: the intake, the latest invitation and whether the reader
    may invite (admins and the care team; the page already scoped the patient).

    A patient with a portal login needs no invitation: the panel then reads only the
    intake. The care team is the page's own (prefetched by `patient_list`)."""
    if actor is None or not actor.is_staff_member:
        return None
    panel = {
        "submission": intake_for_patient(patient=patient),
        "invitation": None,
        "invitation_state": "",
        "may_invite": False,
    }
    if patient.user_id:
        return panel
    invitation = invitation_latest(patient=patient)
    panel["invitation"] = invitation
    if invitation:
        panel["invitation_state"] = {
            "open": "waiting for the patient",
            "used": "used",
            "revoked": "replaced",
            "expired": "expired",
        }[invitation.state(timezone.now())]
    panel["may_invite"] = actor.is_admin or any(
        member.staff_id == actor.staff_id for member in patient.care_team.all()
    )
    return panel


@register.simple_tag
def portal_intake_panel(patient):
    """The portal's nudge: the intake while it is still to be submitted."""
    return intake_for_patient(patient=patient)
