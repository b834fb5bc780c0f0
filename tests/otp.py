"""Second factors for tests: a confirmed authenticator device, its current code, and a test
client session verified the way django-otp's login() marks it."""

import pyotp
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.sessionkeys import OTP_ENROLLED


def totp_device(user) -> TOTPDevice:
    """The user's confirmed authenticator device (made on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return device


def totp_code(device: TOTPDevice, *, at=None) -> str:
    """The code an authenticator app shows now (or at `at`, a datetime) for `device`."""
    totp = pyotp.TOTP(secret_of(device), digits=device.digits, interval=device.step)
    return totp.at(at) if at is not None else totp.now()


def secret_of(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode()


def verify_session(client, user) -> TOTPDevice:
    """Mark `client`'s signed-in session as verified by the user's device."""
    device = totp_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[OTP_ENROLLED] = True
    session.save()
    return device


def sign_in(client, user):
    """`client.force_login(user)`, then the second factor where the product requires one
    (staff and back office), as after the code page."""
    from accounts.selectors import otp_mandatory

    client.force_login(user)
    if otp_mandatory(user):
        verify_session(client, user)
    return client
