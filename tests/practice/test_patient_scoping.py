"""Who sees which patient, through the API and the pages (personas: tests/personas.py)."""

import pytest

pytestmark = pytest.mark.django_db


def ids(response):
    return sorted(row["id"] for row in response.json()["results"])


def test_admin_lists_every_patient_of_their_clinic_only(people, api_as):
    response = api_as(people.admin).get("/api/v1/patients/")
    assert response.status_code == 200
    assert ids(response) == sorted([people.patient.pk, people.other_patient.pk])


def test_therapist_lists_only_their_care_team(people, api_as):
    assert ids(api_as(people.therapist).get("/api/v1/patients/")) == [people.patient.pk]
    assert ids(api_as(people.outsider).get("/api/v1/patients/")) == [people.other_patient.pk]
    assert ids(api_as(people.medical).get("/api/v1/patients/")) == [people.patient.pk]


def test_patient_sees_only_themself(people, api_as):
    client = api_as(people.patient)
    assert ids(client.get("/api/v1/patients/")) == [people.patient.pk]
    assert client.get(f"/api/v1/patients/{people.other_patient.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["outsider", "other_admin", "other_patient"])
def test_a_patient_out_of_reach_answers_404(people, api_as, who):
    response = api_as(getattr(people, who)).get(f"/api/v1/patients/{people.patient.pk}/")
    assert response.status_code == 404
    assert "Erin" not in response.content.decode()


def test_anonymous_is_refused(client, people):
    assert client.get("/api/v1/patients/").status_code == 401


def test_token_is_issued_for_username_and_password(client, people):
    response = client.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "correct-horse-battery"}
    )
    assert response.status_code == 200
    assert response.json()["token"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("therapist", 200), ("medical", 200), ("outsider", 404), ("other_admin", 404)],
)
def test_patient_page_follows_the_same_scoping(people, web_as, who, status):
    response = web_as(getattr(people, who)).get(f"/patients/{people.patient.pk}/")
    assert response.status_code == status
