"""How long a signed-in session may sit idle, per person."""

from django.conf import settings

from backend.roles import actor_for


def idle_timeout_minutes(user) -> int:
    """Staff: their clinic's setting (clinical settings, default 30); anyone else:
    PATIENT_IDLE_TIMEOUT_MINUTES."""
    actor = actor_for(user)
    if actor is not None and actor.is_staff_member:
        from practice.selectors import clinical_settings_for

        return clinical_settings_for(actor.clinic_id).staff_idle_timeout_minutes
    return settings.PATIENT_IDLE_TIMEOUT_MINUTES
