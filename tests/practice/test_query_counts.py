"""The patient list costs the same number of queries for 5 patients as for 50."""

import pytest

from tests.factories import CareTeamFactory, DiagnosisFactory, PatientFactory

pytestmark = pytest.mark.django_db


def add_patients(people, count):
    """`count` more patients on the therapist's care team, each with two diagnoses and a
    second clinician, so any per-row query would show."""
    for _ in range(count):
        patient = PatientFactory(clinic=people.clinic)
        CareTeamFactory(patient=patient, staff=people.therapist, is_primary=True)
        CareTeamFactory(patient=patient, staff=people.medical)
        DiagnosisFactory(patient=patient, code="F41.1", rank=1)
        DiagnosisFactory(patient=patient, code="F43.10", rank=2)


@pytest.mark.parametrize("count", [5, 50])
def test_the_patient_list_api_uses_a_constant_number_of_queries(
    people, api_as, django_assert_num_queries, count
):
    add_patients(people, count)
    client = api_as(people.therapist)
    # 1. the token and its user
    # 2. the user's staff record (their role and clinic)
    # 3. COUNT(*) of the visible patients (pagination)
    # 4. the page of patients, scoped by clinic and care team
    # 5. their diagnoses (prefetch)
    # 6. their care teams with staff and user (prefetch, joined)
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(7):
        response = client.get("/api/v1/patients/")
    assert response.status_code == 200
    assert response.json()["count"] == count + 1
    assert len(response.json()["results"]) == min(count + 1, 25)


@pytest.mark.parametrize("count", [5, 50])
def test_the_patient_list_page_uses_a_constant_number_of_queries(
    people, web_as, django_assert_num_queries, count
):
    add_patients(people, count)
    client = web_as(people.admin)
    # 1. the session
    # 2. the session's user
    # 3. the user's staff record (their role and clinic)
    # 4. COUNT(*) of the visible patients (paginator)
    # 5. the page of patients
    # 6. their diagnoses (prefetch)
    # 7. their care teams with staff and user (prefetch, joined)
    # 8. the session's second-factor device (django-otp: the session is verified)
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(9):
        response = client.get("/patients/")
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == count + 2
    assert "Dana Medic, MD" in response.content.decode()
