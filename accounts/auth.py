"""DRF authentication: expiring hashed tokens (django-rest-knox), and sessions only once
they are verified by a second factor where one is required."""

from django.utils import timezone
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

from accounts.gate import session_needs_otp
from accounts.models import ApiToken

# `last_used_at` is written at most once a minute per token.
LAST_USED_RESOLUTION_SECONDS = 60


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <token>`. An expired token is refused (and deleted); a used one
    records when it was last used."""

    def _cleanup_token(self, auth_token) -> bool:
        # Only this token: knox would also load every other token of the user on each
        # request. Other expired tokens go when their owner makes a new one.
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        now = timezone.now()
        last = token.last_used_at
        if last is None or abs((now - last).total_seconds()) >= LAST_USED_RESOLUTION_SECONDS:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return user, token


class VerifiedSessionAuthentication(SessionAuthentication):
    """Django's session, refused while it still owes its second factor."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        if session_needs_otp(request._request) is not None:
            raise exceptions.PermissionDenied(
                "Two-factor verification is required: sign in with your code first."
            )
        return result
