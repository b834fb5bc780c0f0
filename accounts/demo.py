"""Demo only: the demo's staff and back-office logins share one fixed authenticator secret,
printed by `manage.py demo_logins`, so `make run` can be tried at once. Never in production:
a real account enrols its own device at first sign-in."""

import base64

from django.contrib.auth import get_user_model
from django.db.models import Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.selectors import otp_mandatory

BACK_OFFICE_USERNAME = "backoffice"

# 20 bytes (hex, as TOTPDevice stores it); its base32 form is what an app is given.
DEMO_TOTP_KEY = b"kap-demo-only-secret".hex()


def demo_totp_secret() -> str:
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()


def seed(ctx: dict) -> dict:
    """Give every demo staff and back-office user the demo authenticator (idempotent)."""
    users = get_user_model().objects.filter(
        Q(staff_member__clinic=ctx["clinic"]) | Q(username=BACK_OFFICE_USERNAME)
    )
    for user in users:
        if otp_mandatory(user) and not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(
                user=user, name="Demo authenticator", key=DEMO_TOTP_KEY, confirmed=True
            )
    return ctx
