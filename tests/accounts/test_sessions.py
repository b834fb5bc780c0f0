"""Sessions: idle timeout (per clinic for staff), an absolute lifetime, logout everywhere,
password change ends the other sessions and revokes tokens; the password policy; failed
sign-ins in the security log."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessFailureLog
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.choices import SecurityEventKind
from accounts.models import ApiToken, SecurityEvent
from accounts.services import api_token_create
from practice.services.clinical_settings import clinical_settings_update
from tests.factories import PASSWORD
from tests.otp import verify_session

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 6, 10, 18, 0, tzinfo=dt.UTC)


def signed_in(username):
    client = Client()
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_a_patient_session_ends_after_thirty_idle_minutes(people):
    with time_machine.travel(NOON, tick=False) as clock:
        client = signed_in("erin")
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/portal/").status_code == 200
        clock.shift(dt.timedelta(minutes=29))  # activity reset the idle clock
        assert client.get("/portal/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/portal/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.SESSION_EXPIRED).exists()


def test_a_staff_session_follows_the_clinics_idle_timeout(people):
    clinical_settings_update(
        clinic=people.admin.clinic, by=people.admin, staff_idle_timeout_minutes=10
    )
    with time_machine.travel(NOON, tick=False) as clock:
        client = signed_in("bob")
        verify_session(client, people.therapist.user)
        assert client.get("/patients/").status_code == 200
        clock.shift(dt.timedelta(minutes=11))
        assert client.get("/patients/")["Location"].startswith("/login/")


def test_the_idle_timeout_is_a_clinic_setting_with_bounds(people):
    with pytest.raises(ValidationError):
        clinical_settings_update(
            clinic=people.admin.clinic, by=people.admin, staff_idle_timeout_minutes=1
        )


def test_no_session_outlives_its_absolute_lifetime(people):
    with time_machine.travel(NOON, tick=False) as clock:
        client = signed_in("erin")
        for _ in range(12 * 3):  # busy every 20 minutes for 12 hours
            clock.shift(dt.timedelta(minutes=20))
            assert client.get("/portal/").status_code == 200
        clock.shift(dt.timedelta(minutes=1))
        assert client.get("/portal/")["Location"].startswith("/login/")


def test_logout_ends_every_session_and_revokes_every_token(people):
    first, second = signed_in("erin"), signed_in("erin")
    _, raw = api_token_create(user=people.patient.user)
    assert second.get("/portal/").status_code == 200
    first.post("/logout/")
    assert second.get("/portal/")["Location"].startswith("/login/")
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/patients/").status_code == 401
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOGOUT).count() == 1


def test_a_password_change_keeps_this_session_and_ends_the_others(people):
    here, elsewhere = signed_in("erin"), signed_in("erin")
    api_token_create(user=people.patient.user)
    new = "violet lantern orbit meadow"
    response = here.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert here.get("/portal/").status_code == 200
    assert elsewhere.get("/portal/")["Location"].startswith("/login/")
    assert not ApiToken.objects.filter(user=people.patient.user).exists()


def test_a_password_set_anywhere_revokes_the_tokens(people):
    api_token_create(user=people.patient.user)
    user = people.patient.user
    user.set_password("violet lantern orbit meadow")
    user.save()
    assert not ApiToken.objects.filter(user=user).exists()


def test_the_password_policy_wants_length_not_tricks(people):
    with pytest.raises(ValidationError):
        validate_password("Summer2026", user=people.patient.user)
    with pytest.raises(ValidationError):
        validate_password("erinpatient1", user=people.patient.user)
    validate_password("violet lantern orbit meadow", user=people.patient.user)


def test_the_demo_password_meets_the_policy():
    from practice.demo import DEMO_PASSWORD

    validate_password(DEMO_PASSWORD)


def test_a_failed_sign_in_and_a_lockout_are_in_the_security_log(client, people, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    client.post("/login/", {"username": "erin", "password": "wrong-guess"})
    [failed] = SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN_FAILED)
    assert failed.username == "erin" and failed.user == people.patient.user
    assert "wrong-guess" not in str(SecurityEvent.objects.values())
    client.post("/login/", {"username": "erin", "password": "wrong-again"})
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKED_OUT).exists()


def test_the_failure_log_survives_a_successful_sign_in(client, people, settings):
    settings.AXES_ENABLED = True
    client.post("/login/", {"username": "erin", "password": "wrong-guess"})
    assert client.post("/login/", {"username": "erin", "password": PASSWORD}).status_code == 302
    assert AccessFailureLog.objects.filter(username="erin").count() == 1
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN).exists()
