"""Sign-in security: API tokens, the sessions a user holds, and the security event log.

Two-factor devices are django-otp's own models (otp_totp.TOTPDevice for the authenticator
app, otp_static.StaticDevice for the one-time recovery codes).
"""

import uuid

from django.conf import settings
from django.db import models
from knox.models import AbstractAuthToken

from accounts.choices import SecurityEventKind


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox): only a hash is stored; the token itself is shown once.

    `uid` names the token in URLs and lists (the digest, knox's primary key, never leaves
    the server). Expired tokens stop working at once and are deleted when next seen.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"API token {self.name or self.uid} of {self.user}"


class UserSession(models.Model):
    """A signed-in session of a user, so that logging out can end every one of them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kap_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Session of {self.user} since {self.created_at:%Y-%m-%d %H:%M}"


class SecurityEvent(models.Model):
    """One sign-in security event: logins (failed ones too), lockouts, two-factor changes,
    token creation and revocation. Never holds a password, a code or a token."""

    kind = models.CharField(max_length=32, choices=SecurityEventKind.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="security_events",
    )
    # As typed at the login form (the user may not exist).
    username = models.CharField(max_length=150, blank=True)
    # Who did it, when not the user themself (an admin revoking a token).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.username} · {self.at:%Y-%m-%d %H:%M}"
