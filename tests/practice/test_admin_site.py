"""The Django admin for back-office configuration: the pages open, patients show their
diagnoses and care team, an opened record is audited, and the audit log is read-only."""

import pytest
from auditlog.models import LogEntry

from practice.models import Diagnosis
from tests.audit import audited_reads
from tests.factories import UserFactory
from tests.otp import verify_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client, people):
    user = UserFactory(username="backoffice", is_staff=True, is_superuser=True)
    client.force_login(user)
    verify_session(client, user)  # the back office asks for the second factor
    return user


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/practice/clinic/",
        "/admin/practice/staffmember/",
        "/admin/practice/patient/",
        "/admin/auditlog/logentry/",
    ],
)
def test_back_office_lists_open(client, operator, url):
    assert client.get(url).status_code == 200


def test_the_staff_list_searches_by_name_and_shows_role_and_npi(client, operator, people):
    page = client.get("/admin/practice/staffmember/?q=medic").content.decode()
    assert "Dana Medic, MD" in page
    assert "1000000020" in page
    assert "Bob Therapist" not in page


def test_the_patient_page_in_the_admin_shows_diagnoses_and_care_team_and_is_audited(
    client, operator, people
):
    page = client.get(f"/admin/practice/patient/{people.patient.pk}/change/").content.decode()
    assert "F41.1" in page and "Generalized anxiety disorder" in page
    assert "Bob Therapist, LCSW" in page  # the care-team inline
    [entry] = audited_reads(people.patient)
    assert entry.actor == operator
    assert entry.route == "admin:practice_patient_change"


def test_a_diagnosis_added_in_the_admin_gets_its_official_description(client, operator, people):
    from django.contrib.admin.sites import site

    from practice.admin import DiagnosisInlineForm

    form = DiagnosisInlineForm(
        data={"rank": 2, "code": "f4310"}, instance=Diagnosis(patient=people.patient)
    )
    assert form.is_valid(), form.errors
    assert form.instance.code == "F43.10"
    assert form.instance.description == "Post-traumatic stress disorder, unspecified"
    refused = DiagnosisInlineForm(
        data={"rank": 2, "code": "F42"}, instance=Diagnosis(patient=people.patient)
    )
    assert not refused.is_valid()
    assert "category, not a billable code" in refused.errors["code"][0]
    assert not site.is_registered(Diagnosis)  # edited only inline, under its patient


def test_the_audit_log_cannot_be_edited_in_the_admin(client, operator, people):
    client.get(f"/admin/practice/patient/{people.patient.pk}/change/")
    entry = LogEntry.objects.latest("timestamp")
    response = client.post(f"/admin/auditlog/logentry/{entry.pk}/change/", {"changes": "{}"})
    assert response.status_code == 403
    assert client.post(f"/admin/auditlog/logentry/{entry.pk}/delete/").status_code == 403


@pytest.mark.parametrize("who", ["admin", "therapist", "patient"])
def test_clinic_users_do_not_enter_the_back_office(client, people, who):
    client.force_login(getattr(people, who).user)
    response = client.get("/admin/practice/patient/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
