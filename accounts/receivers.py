"""Sign-in events into the security log, and each new session stamped and tracked.

Receivers of django.contrib.auth's and django-axes' signals: a signed-in session learns
when it started, its idle timeout and whether the user has a second factor; failed logins
and lockouts are logged with the username typed (never the password).
"""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts import services
from accounts.choices import SecurityEventKind
from accounts.selectors import otp_enrolled, user_get_by_natural_key
from accounts.sessionkeys import IDLE_MINUTES, LOGIN_AT, OTP_ENROLLED, SEEN_AT
from accounts.timeouts import idle_timeout_minutes


@receiver(user_logged_in, dispatch_uid="accounts.on_login")
def on_login(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    session = request.session
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    session[IDLE_MINUTES] = idle_timeout_minutes(user)
    session[OTP_ENROLLED] = otp_enrolled(user)
    if session.session_key is None:
        session.save()
    services.session_track(user=user, session_key=session.session_key)
    services.security_event_record(kind=SecurityEventKind.LOGIN, user=user, request=request)


@receiver(user_login_failed, dispatch_uid="accounts.on_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or "")
    services.security_event_record(
        kind=SecurityEventKind.LOGIN_FAILED,
        user=user_get_by_natural_key(username) if username else None,
        username=username,
        request=getattr(request, "_request", request),
    )


@receiver(user_locked_out, dispatch_uid="accounts.on_locked_out")
def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    username = str(username or "")
    services.security_event_record(
        kind=SecurityEventKind.LOCKED_OUT,
        user=user_get_by_natural_key(username) if username else None,
        username=username,
        request=getattr(request, "_request", request),
    )
