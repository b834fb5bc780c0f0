"""Whether a signed-in session still owes its second factor."""

from accounts.selectors import otp_mandatory
from accounts.sessionkeys import OTP_ENROLLED


def session_needs_otp(request) -> str | None:
    """None when the session may go on; "verify" when the user must type a code; "enrol"
    when a staff member has no second factor yet."""
    user = request.user
    if not user.is_authenticated:
        return None
    if getattr(user, "is_verified", None) and user.is_verified():
        return None
    if request.session.get(OTP_ENROLLED):
        return "verify"
    if otp_mandatory(user):
        return "enrol"
    return None
