"""Writes for sign-in security: second factors, API tokens, sessions, the event log.

What each guarantees:
- A code is checked against the user's confirmed devices inside one transaction with the
  device rows locked (django-otp's `for_verify`), so two requests cannot both spend one
  code. A TOTP code is never accepted twice (django-otp keeps the last time step used,
  `last_t`), a recovery code is deleted when used, and every wrong code doubles the wait
  before that device accepts the next one (django-otp's throttling). Failures are written
  after the transaction, so refusing a code never rolls back its throttle.
- API tokens are stored hashed (django-rest-knox); the token itself is returned once, by
  `api_token_create`, and never again.
- Nothing here logs a password, a code or a token.
"""

import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import SecurityEventKind
from accounts.errors import LoginRefused, OtpInvalid, OtpNotAllowed, OtpRequired, OtpThrottled
from accounts.models import ApiToken, SecurityEvent, UserSession
from accounts.selectors import otp_enrolled, otp_mandatory

TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def security_event_record(
    *,
    kind: str,
    user=None,
    username: str = "",
    by=None,
    request=None,
    detail: str = "",
) -> SecurityEvent:
    """Append one event to the security log (never a secret: callers pass none)."""
    if user is not None and not username:
        username = user.get_username()
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=username[:150],
        by=by,
        ip_address=client_ip(request),
        detail=detail[:200],
    )


# Second factors ------------------------------------------------------------------------------


def otp_verify(*, user, token: str, request=None):
    """The confirmed device of `user` that accepts `token` (TOTP or a recovery code).

    Raises OtpThrottled while every device is still waiting after wrong codes, OtpInvalid
    for a wrong, reused or malformed code. A wrong code is in the security log.
    """
    token = (token or "").strip().replace(" ", "")
    matched = None
    throttled = 0
    devices = 0
    if token:
        with transaction.atomic():
            for device in devices_for_user(user, confirmed=True, for_verify=True):
                devices += 1
                allowed, _ = device.verify_is_allowed()
                if not allowed:
                    throttled += 1
                    continue
                if device.verify_token(token):
                    matched = device
                    break
    if matched is not None:
        return matched
    security_event_record(kind=SecurityEventKind.OTP_FAILED, user=user, request=request)
    if devices and throttled == devices:
        raise OtpThrottled("Too many wrong codes. Wait a little, then try again.")
    raise OtpInvalid("That code is not valid. Codes work once; wait for the next one.")


def totp_device_pending(*, user) -> TOTPDevice:
    """The authenticator-app device `user` is setting up (unconfirmed), made on first call;
    the same secret is shown until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def recovery_codes_regenerate(*, user, request=None, log: bool = True) -> list[str]:
    """Replace `user`'s recovery codes with OTP_RECOVERY_CODES new ones, returned once.

    The old codes stop working at once. Each new code signs in once.
    """
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    if log:
        security_event_record(
            kind=SecurityEventKind.RECOVERY_CODES_REGENERATED, user=user, request=request
        )
    return codes


def otp_enrol_confirm(*, user, device: TOTPDevice, token: str, request=None) -> list[str]:
    """Confirm the authenticator app `device` with its first code; returns the new
    recovery codes (shown once).

    The app replaces any earlier one, and the recovery codes are new. Raises OtpInvalid or
    OtpThrottled (nothing changes). The caller marks the session verified and ends the
    user's other sessions.
    """
    token = (token or "").strip().replace(" ", "")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        allowed, _ = device.verify_is_allowed()
        ok = allowed and bool(token) and device.verify_token(token)
    if not ok:
        security_event_record(kind=SecurityEventKind.OTP_FAILED, user=user, request=request)
        if not allowed:
            raise OtpThrottled("Too many wrong codes. Wait a little, then try again.")
        raise OtpInvalid("That code does not match. Check the time on your phone and retry.")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_regenerate(user=user, log=False)
        security_event_record(kind=SecurityEventKind.OTP_ENROLLED, user=user, request=request)
    return codes


@transaction.atomic
def otp_disable(*, user, request=None) -> None:
    """Remove every second factor of a patient. Staff and back-office users must keep one
    (OtpNotAllowed)."""
    if otp_mandatory(user):
        raise OtpNotAllowed("Staff accounts must keep two-factor authentication.")
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
    security_event_record(kind=SecurityEventKind.OTP_DISABLED, user=user, request=request)


# API tokens ----------------------------------------------------------------------------------


def api_token_ttl() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS)


@transaction.atomic
def api_token_create(*, user, name: str = "", request=None) -> tuple[ApiToken, str]:
    """A new API token for `user`, valid for API_TOKEN_TTL_HOURS; returns (token row, the
    token itself). Only the token's hash is stored: the caller shows it once. Expired tokens
    of the user are deleted on the way."""
    ApiToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    token, raw = ApiToken.objects.create(user=user, expiry=api_token_ttl(), name=name[:100])
    security_event_record(
        kind=SecurityEventKind.TOKEN_CREATED, user=user, request=request, detail=str(token.uid)
    )
    return token, raw


def api_token_obtain(
    *, request, username: str, password: str, otp: str = "", name: str = ""
) -> tuple[ApiToken, str]:
    """Sign in through the API: the password (through django-axes, so a locked account gets
    nothing), then, for staff and anyone with a second factor, a code. Raises LoginRefused,
    OtpRequired, OtpInvalid or OtpThrottled."""
    user = authenticate(request=request, username=username, password=password)
    if user is None:
        raise LoginRefused("Unable to sign in with the username and password given.")
    if otp_mandatory(user) or otp_enrolled(user):
        if not otp:
            raise OtpRequired("This account needs a code from its authenticator app (otp).")
        otp_verify(user=user, token=otp, request=request)
    return api_token_create(user=user, name=name, request=request)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by, request=None) -> None:
    """Revoke one token (its owner, or an admin of the owner's clinic: the caller checked)."""
    user = token.user
    uid = str(token.uid)
    token.delete()
    security_event_record(
        kind=SecurityEventKind.TOKEN_REVOKED,
        user=user,
        by=None if by == user else by,
        request=request,
        detail=uid,
    )


def api_tokens_revoke_all(*, user, request=None, reason: str = "") -> int:
    """Revoke every token of `user`; returns how many there were."""
    count, _ = ApiToken.objects.filter(user=user).delete()
    if count:
        security_event_record(
            kind=SecurityEventKind.TOKEN_REVOKED,
            user=user,
            request=request,
            detail=f"all ({count}){': ' + reason if reason else ''}",
        )
    return count


# Sessions ------------------------------------------------------------------------------------


def _session_store() -> type[SessionBase]:
    return import_string(settings.SESSION_ENGINE + ".SessionStore")


def session_track(*, user, session_key: str | None) -> None:
    """Remember that `session_key` is a session of `user` (so logout can end it)."""
    if session_key:
        UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def sessions_end(*, user, keep_session_key: str | None = None) -> int:
    """End every tracked session of `user` but `keep_session_key`; returns how many."""
    store = _session_store()
    rows = UserSession.objects.filter(user=user)
    if keep_session_key:
        rows = rows.exclude(session_key=keep_session_key)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    rows.delete()
    return len(keys)


def user_sign_out_everywhere(*, user, request=None) -> None:
    """Logout: end every session of `user` and revoke every API token."""
    with transaction.atomic():
        sessions_end(user=user)
        api_tokens_revoke_all(user=user, request=request, reason="signed out")
        security_event_record(kind=SecurityEventKind.LOGOUT, user=user, request=request)


def password_changed(*, user, request=None, keep_session_key: str | None = None) -> None:
    """After a password change or reset: every other session ends and every token is
    revoked (Django's session hash already refuses the other sessions; this removes them)."""
    with transaction.atomic():
        sessions_end(user=user, keep_session_key=keep_session_key)
        api_tokens_revoke_all(user=user, request=request, reason="password changed")
        security_event_record(kind=SecurityEventKind.PASSWORD_CHANGED, user=user, request=request)
