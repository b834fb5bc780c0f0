"""Reads for sign-in security: who needs a second factor, which tokens a person may see."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken
from backend.roles import actor_for


def otp_mandatory(user) -> bool:
    """Staff of a clinic and back-office users must sign in with a second factor."""
    if user is None or not user.is_authenticated:
        return False
    actor = actor_for(user)
    return bool(user.is_staff or (actor is not None and actor.is_staff_member))


def otp_enrolled(user) -> bool:
    """Whether `user` has a confirmed second factor (authenticator app or recovery codes)."""
    return user_has_device(user, confirmed=True)


def totp_device_get(*, user) -> TOTPDevice | None:
    """The user's confirmed authenticator-app device, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(*, user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def api_token_list(*, user) -> QuerySet[ApiToken]:
    """The live API tokens `user` may see and revoke: their own, and for a clinic admin those
    of every staff member and patient of their clinic. Expired tokens are left out."""
    now = timezone.now()
    visible = Q(user=user)
    actor = actor_for(user)
    if actor is not None and actor.is_admin:
        visible |= Q(user__staff_member__clinic_id=actor.clinic_id) | Q(
            user__patient__clinic_id=actor.clinic_id
        )
    return (
        ApiToken.objects.filter(visible)
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=now))
        .select_related("user")
        .distinct()
        .order_by("-created")
    )


def user_get_by_natural_key(username: str):
    User = get_user_model()
    return User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()


__all__ = [
    "StaticDevice",
    "api_token_list",
    "otp_enrolled",
    "otp_mandatory",
    "recovery_codes_left",
    "totp_device_get",
    "user_get_by_natural_key",
]
