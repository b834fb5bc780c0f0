"""Every signed-in session: an idle timeout, an absolute lifetime, and no page before the
second factor.

Runs after django-otp's OTPMiddleware (which tells whether the session was verified by a
device). For a session that must show a second factor and has not:
- pages redirect to the code page (someone with a device) or to enrolment (staff without
  one); only those pages, sign-out and static files are reachable;
- the API refuses the session (accounts.auth.VerifiedSessionAuthentication);
- the admin site asks for the code itself (accounts.admin_site).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts import services
from accounts.choices import SecurityEventKind
from accounts.gate import session_needs_otp
from accounts.sessionkeys import IDLE_MINUTES, LOGIN_AT, SEEN_AT

# Writing the last-seen time at most this often keeps a busy session from saving on every
# request; the idle timeout is minutes, so a minute's slack does not matter.
SEEN_RESOLUTION_SECONDS = 60

OPEN_PREFIXES = ("/static/", "/media/", "/admin/", "/api/", "/login/", "/logout/")


class SessionSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is None or BACKEND_SESSION_KEY not in session:
            return self.get_response(request)  # anonymous: nothing to check, no user query
        expired = self._expired(request)
        if expired:
            return expired
        gate = self._gate(request)
        if gate:
            return gate
        return self.get_response(request)

    def _expired(self, request):
        session = request.session
        now = time.time()
        login_at = session.get(LOGIN_AT)
        seen_at = session.get(SEEN_AT)
        if login_at is None or seen_at is None:
            # A session from before these rules: it starts counting now.
            session[LOGIN_AT] = session[SEEN_AT] = now
            return None
        idle_minutes = session.get(IDLE_MINUTES) or settings.PATIENT_IDLE_TIMEOUT_MINUTES
        too_old = now - login_at > settings.SESSION_MAX_AGE_HOURS * 3600
        idle = now - seen_at > idle_minutes * 60
        if not (too_old or idle):
            if now - seen_at >= SEEN_RESOLUTION_SECONDS:
                session[SEEN_AT] = now
            return None
        user = request.user
        services.security_event_record(
            kind=SecurityEventKind.SESSION_EXPIRED,
            user=user if user.is_authenticated else None,
            request=request,
            detail="lifetime" if too_old else "idle",
        )
        logout(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"code": "session_expired", "detail": "Your session ended. Sign in again."},
                status=401,
            )
        messages.info(request, "Your session ended. Please sign in again.")
        return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")

    def _gate(self, request):
        if request.path.startswith(OPEN_PREFIXES) or request.path.startswith("/account/2fa/"):
            return None
        needs = session_needs_otp(request)
        if needs is None:
            return None
        target = "accounts:otp-verify" if needs == "verify" else "accounts:otp-enrol"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
