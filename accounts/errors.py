from rest_framework import status

from backend.errors import DomainError, InvalidInput

__all__ = ["DomainError", "InvalidInput", "OtpInvalid", "OtpRequired", "OtpThrottled"]


class OtpRequired(DomainError):
    """This account signs in with a second factor, and none was given."""

    code = "otp_required"
    status_code = status.HTTP_400_BAD_REQUEST


class OtpInvalid(DomainError):
    code = "otp_invalid"
    status_code = status.HTTP_400_BAD_REQUEST


class OtpThrottled(DomainError):
    code = "otp_throttled"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS


class OtpNotAllowed(DomainError):
    """Staff may not turn two-factor authentication off."""

    code = "otp_required_for_staff"
    status_code = status.HTTP_403_FORBIDDEN


class LoginRefused(DomainError):
    code = "login_refused"
    status_code = status.HTTP_400_BAD_REQUEST
