"""Signing in: the login page, and django-axes locking a username after repeated failures."""

import pytest
from axes.models import AccessAttempt

from tests.factories import PASSWORD
from tests.otp import totp_code, totp_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def test_the_login_page_answers(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "Sign in" in response.content.decode()


def test_a_good_password_signs_in(client, people, lockout):
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_repeated_failed_logins_lock_the_account_even_for_the_right_password(
    client, people, lockout
):
    for _ in range(2):
        response = client.post("/login/", {"username": "alice", "password": "wrong"})
        assert response.status_code == 200
        assert "didn't match" in response.content.decode()
    response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 429
    assert "Account locked" in response.content.decode()

    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts for <strong>alice</strong>" in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="alice").failures_since_start >= 3


def test_a_lockout_of_one_username_leaves_the_others_alone(client, people, lockout):
    for _ in range(3):
        client.post("/login/", {"username": "alice", "password": "wrong"})
    response = client.post("/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302


def test_the_token_endpoint_is_locked_too(client, people, lockout):
    for _ in range(3):
        client.post("/api/v1/auth/token/", {"username": "alice", "password": "wrong"})
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD})
    # The right password no longer yields a token while locked...
    assert response.status_code == 400
    assert "token" not in response.json()
    # ...while another account still gets one (staff: with a code from their device).
    code = totp_code(totp_device(people.therapist.user))
    other = client.post(
        "/api/v1/auth/token/", {"username": "bob", "password": PASSWORD, "otp": code}
    )
    assert other.status_code == 200 and other.json()["token"]
