from django.db import models


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", "signed in"
    LOGIN_FAILED = "login_failed", "sign-in failed"
    LOCKED_OUT = "locked_out", "locked out"
    LOGOUT = "logout", "signed out"
    OTP_VERIFIED = "otp_verified", "second factor verified"
    OTP_FAILED = "otp_failed", "wrong second-factor code"
    OTP_ENROLLED = "otp_enrolled", "two-factor authentication set up"
    OTP_DISABLED = "otp_disabled", "two-factor authentication turned off"
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated", "recovery codes replaced"
    TOKEN_CREATED = "token_created", "API token created"
    TOKEN_REVOKED = "token_revoked", "API token revoked"
    PASSWORD_CHANGED = "password_changed", "password changed"
    SESSION_EXPIRED = "session_expired", "session expired"
