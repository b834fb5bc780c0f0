"""Two-factor authentication: staff cannot reach anything before enrolling, codes are
single-use and throttled, recovery codes work once, patients may opt in."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from accounts.choices import SecurityEventKind
from accounts.models import SecurityEvent
from accounts.services import recovery_codes_regenerate
from tests.factories import PASSWORD
from tests.otp import totp_code, totp_device

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 6, 10, 18, 0, tzinfo=dt.UTC)


def sign_in(client, username):
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_a_staff_member_without_a_device_is_sent_to_enrolment_from_every_page(client, people):
    sign_in(client, "alice")
    for url in ("/", "/patients/", f"/patients/{people.patient.pk}/", "/account/security/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/2fa/enrol/"), url
    # The API refuses the unverified session too.
    assert client.get("/api/v1/patients/").status_code in (401, 403)


def test_a_staff_member_enrols_with_the_secret_shown_and_gets_ten_recovery_codes(client, people):
    with time_machine.travel(NOON, tick=False):
        sign_in(client, "bob")
        page = client.get("/account/2fa/enrol/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "<svg" in html and 'data-testid="otp-qr"' in html
        secret = page.context["secret"].replace(" ", "")
        assert secret in html.replace(" ", "")
        import pyotp

        wrong = client.post("/account/2fa/enrol/", {"code": "000000"})
        assert "does not match" in wrong.content.decode()
    with time_machine.travel(NOON + dt.timedelta(seconds=5), tick=False):
        done = client.post("/account/2fa/enrol/", {"code": pyotp.TOTP(secret).now()})
        assert done.status_code == 200
        codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
        assert len(codes) == 10
        assert client.get("/patients/").status_code == 200
    assert SecurityEvent.objects.filter(
        kind=SecurityEventKind.OTP_ENROLLED, user=people.therapist.user
    ).exists()
    # Nothing secret in the security log.
    logged = " ".join(SecurityEvent.objects.values_list("detail", flat=True))
    assert secret not in logged and PASSWORD not in logged


def test_staff_with_a_device_sign_in_with_password_then_code(client, people):
    device = totp_device(people.admin.user)
    with time_machine.travel(NOON, tick=False):
        sign_in(client, "alice")
        response = client.get("/patients/")
        assert response["Location"].startswith("/account/2fa/verify/")
        done = client.post(
            "/account/2fa/verify/?next=/patients/",
            {"code": totp_code(device), "next": "/patients/"},
        )
        assert done.status_code == 302 and done["Location"] == "/patients/"
        assert client.get("/patients/").status_code == 200
        assert client.get("/api/v1/patients/").status_code == 200


def test_a_code_is_never_accepted_twice(people):
    device = totp_device(people.admin.user)
    first, second = Client(), Client()
    with time_machine.travel(NOON, tick=False):
        code = totp_code(device)
        sign_in(first, "alice")
        assert first.post("/account/2fa/verify/", {"code": code}).status_code == 302
        sign_in(second, "alice")
        replay = second.post("/account/2fa/verify/", {"code": code})
        assert replay.status_code == 200
        assert "not valid" in replay.content.decode()
        assert second.get("/patients/")["Location"].startswith("/account/2fa/verify/")
    device.refresh_from_db()
    assert device.last_t is not None


def test_wrong_codes_are_throttled(client, people):
    device = totp_device(people.admin.user)
    with time_machine.travel(NOON, tick=False):
        sign_in(client, "alice")
        client.post("/account/2fa/verify/", {"code": "123456"})
        # Right away, even the right code waits out the throttle.
        refused = client.post("/account/2fa/verify/", {"code": totp_code(device)})
        assert "Too many wrong codes" in refused.content.decode()
    with time_machine.travel(NOON + dt.timedelta(seconds=31), tick=False):
        ok = client.post("/account/2fa/verify/", {"code": totp_code(device)})
        assert ok.status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.OTP_FAILED).count() == 2


def test_a_recovery_code_signs_in_once(people):
    totp_device(people.admin.user)
    codes = recovery_codes_regenerate(user=people.admin.user)
    first, second = Client(), Client()
    sign_in(first, "alice")
    assert first.post("/account/2fa/verify/", {"code": codes[0]}).status_code == 302
    assert first.get("/patients/").status_code == 200
    sign_in(second, "alice")
    again = second.post("/account/2fa/verify/", {"code": codes[0]})
    assert "not valid" in again.content.decode()
    # Regenerating replaces every old code.
    fresh = recovery_codes_regenerate(user=people.admin.user)
    with time_machine.travel(NOON, tick=False) as clock:
        third = Client()
        sign_in(third, "alice")
        old = third.post("/account/2fa/verify/", {"code": codes[1]})
        assert "not valid" in old.content.decode()
        clock.shift(dt.timedelta(seconds=10))  # past the throttle the wrong codes earned
        assert third.post("/account/2fa/verify/", {"code": fresh[0]}).status_code == 302


def test_a_patient_without_a_device_signs_in_with_the_password_only(client, people):
    sign_in(client, "erin")
    assert client.get("/portal/").status_code == 200
    assert client.get("/api/v1/patients/").status_code == 200


def test_a_patient_may_enrol_and_then_needs_the_code(client, people):
    device = totp_device(people.patient.user)
    with time_machine.travel(NOON, tick=False):
        sign_in(client, "erin")
        assert client.get("/portal/")["Location"].startswith("/account/2fa/verify/")
        assert client.post("/account/2fa/verify/", {"code": totp_code(device)}).status_code == 302
        assert client.get("/portal/").status_code == 200
        # ...and may turn it off again; staff may not.
        client.post("/account/security/2fa/disable/")
    assert not device.__class__.objects.filter(user=people.patient.user).exists()


def test_staff_cannot_turn_two_factor_off(web_as, people):
    client = web_as(people.therapist)
    client.post("/account/security/2fa/disable/")
    assert totp_device(people.therapist.user).pk is not None
    assert (
        totp_device(people.therapist.user)
        .__class__.objects.filter(user=people.therapist.user)
        .count()
        == 1
    )


def test_the_admin_site_requires_a_verified_session(client, people):
    from tests.factories import UserFactory

    operator = UserFactory(username="ops", is_staff=True, is_superuser=True)
    client.force_login(operator)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
