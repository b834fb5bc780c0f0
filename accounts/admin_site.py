"""The back office requires a session verified by a second factor."""

from django_otp.admin import OTPAdminSite


class AdminSite(OTPAdminSite):
    """django-otp's admin site under the usual name ("admin"), so `admin:` URLs still work.

    A signed-in user whose session is not OTP-verified is treated as not staff: the admin's
    login page asks for the password and a code.
    """

    def __init__(self, name="admin"):
        super().__init__(name)
