"""The demo clinic `make run` loads: complete, valid, and safe to load twice."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import demo_totp_secret
from accounts.selectors import otp_mandatory
from backend.demo import LOGINS
from practice.demo import DEMO_PASSWORD
from practice.models import CareTeam, Clinic, Diagnosis, Patient, StaffMember
from tests.otp import secret_of

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Clinic, StaffMember, Patient, CareTeam, Diagnosis)
    }


def test_the_demo_clinic_loads_and_loading_it_again_changes_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first
    assert first["Clinic"] == 1
    roles = set(StaffMember.objects.values_list("role", flat=True))
    assert roles == {"admin", "therapist", "medical"}
    assert StaffMember.objects.filter(role="therapist").count() >= 2
    assert first["Patient"] >= 3
    # Every demo patient has a valid record, at least one diagnosis and a care team.
    for patient in Patient.objects.all():
        patient.full_clean()
        assert patient.diagnoses.exists() and patient.care_team.exists()
    for diagnosis in Diagnosis.objects.all():
        diagnosis.full_clean()


def test_every_printed_demo_login_signs_in_with_the_printed_password(client):
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert DEMO_PASSWORD in out.getvalue()
    # Demo only: staff and back office share one authenticator secret, printed too.
    assert demo_totp_secret() in out.getvalue()
    for _role, username in LOGINS:
        assert username in out.getvalue()
        assert client.login(username=username, password=DEMO_PASSWORD), username
        user = User.objects.get(username=username)
        if otp_mandatory(user):
            device = TOTPDevice.objects.get(user=user, confirmed=True)
            assert secret_of(device) == demo_totp_secret()
        client.logout()
