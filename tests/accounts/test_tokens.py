"""API tokens: shown once, hashed, expiring, needing a code for staff, revocable by their
owner and by their clinic's admin (another clinic's admin gets 404)."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.factories import PASSWORD
from tests.otp import totp_code, totp_device

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 6, 10, 18, 0, tzinfo=dt.UTC)


def obtain(username, **extra):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD, **extra}
    )


def with_token(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def test_staff_need_a_code_for_a_token(people):
    device = totp_device(people.therapist.user)
    with time_machine.travel(NOON, tick=False):
        missing = obtain("bob")
        assert missing.status_code == 400 and missing.json()["code"] == "otp_required"
        wrong = obtain("bob", otp="000000")
        assert wrong.status_code == 400 and wrong.json()["code"] == "otp_invalid"
    with time_machine.travel(NOON + dt.timedelta(seconds=40), tick=False):
        ok = obtain("bob", otp=totp_code(device), name="sync script")
        assert ok.status_code == 200, ok.json()
        body = ok.json()
        assert dt.datetime.fromisoformat(body["expiry"]) == NOON + dt.timedelta(
            seconds=40, hours=12
        )
        # Only the hash is stored.
        stored = ApiToken.objects.get(uid=body["uid"])
        assert body["token"] not in (stored.digest, stored.token_key)
        assert stored.name == "sync script"
        assert with_token(body["token"]).get("/api/v1/patients/").status_code == 200


def test_a_patient_without_a_device_gets_a_token_with_the_password(people):
    response = obtain("erin")
    assert response.status_code == 200 and response.json()["token"]


def test_a_wrong_password_gets_no_token(people):
    response = obtain("erin", password="nope")
    assert response.status_code == 400 and "token" not in response.json()


def test_a_token_expires(people, settings):
    settings.API_TOKEN_TTL_HOURS = 2
    with time_machine.travel(NOON, tick=False):
        raw = obtain("erin").json()["token"]
        assert with_token(raw).get("/api/v1/patients/").status_code == 200
    with time_machine.travel(NOON + dt.timedelta(hours=2, minutes=1), tick=False):
        assert with_token(raw).get("/api/v1/patients/").status_code == 401
    assert not ApiToken.objects.filter(user=people.patient.user).exists()


def test_the_owner_lists_and_revokes_a_token_never_seeing_the_secret(people, api_as):
    raw = obtain("erin").json()["token"]
    owner = with_token(raw)
    listing = owner.get("/api/v1/auth/tokens/").json()["results"]
    assert len(listing) == 1
    assert raw not in str(listing) and "digest" not in listing[0]
    assert listing[0]["last_used_at"] is not None
    uid = listing[0]["uid"]
    assert owner.delete(f"/api/v1/auth/tokens/{uid}/").status_code == 204
    assert with_token(raw).get("/api/v1/patients/").status_code == 401


def test_the_clinic_admin_revokes_a_users_token_and_another_clinics_admin_cannot(people, api_as):
    raw = obtain("erin").json()["token"]
    uid = str(ApiToken.objects.get(user=people.patient.user).uid)
    assert api_as(people.other_admin).delete(f"/api/v1/auth/tokens/{uid}/").status_code == 404
    assert api_as(people.therapist).delete(f"/api/v1/auth/tokens/{uid}/").status_code == 404
    assert with_token(raw).get("/api/v1/patients/").status_code == 200
    admin = api_as(people.admin)
    listed = admin.get("/api/v1/auth/tokens/").json()["results"]
    assert uid in [row["uid"] for row in listed]
    assert admin.delete(f"/api/v1/auth/tokens/{uid}/").status_code == 204
    assert with_token(raw).get("/api/v1/patients/").status_code == 401


def test_tokens_are_listed_and_revoked_on_the_security_page(people, web_as):
    client = web_as(people.therapist)
    created = client.post("/account/security/tokens/", {"name": "laptop"})
    raw = created.context["raw"]
    page = client.get("/account/security/").content.decode()
    assert "laptop" in page and raw not in page
    uid = ApiToken.objects.get(user=people.therapist.user).uid
    client.post(f"/account/security/tokens/{uid}/revoke/")
    assert with_token(raw).get("/api/v1/patients/").status_code == 401
