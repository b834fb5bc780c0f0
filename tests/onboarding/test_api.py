"""The onboarding API: the patient's own intake, the staff's intakes and review, and
invitations. Refusals have the one error shape and change nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from onboarding import services
from onboarding.models import IntakeSubmission, Invitation
from tests.onboarding.helpers import checklist_answers, complete_steps, invite

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def newcomer_api(world):
    _, token = invite(world)
    user = services.invitation_accept(token=token, password=PASSWORD)
    world.newcomer.refresh_from_db()
    client = APIClient()
    client.force_authenticate(user)
    return client


def _json_steps(clinic, **special):
    steps = complete_steps(clinic, **special)
    steps["demographics"]["date_of_birth"] = "1990-05-01"
    steps["insurance"]["insured_date_of_birth"] = "1988-02-02"
    return steps


def test_the_patient_reads_their_intake_with_its_steps_and_questions_to_answer(newcomer_api):
    body = newcomer_api.get("/api/v1/intake/").json()
    assert body["status"] == "not_started"
    assert [s["step"] for s in body["steps"]] == [
        "demographics", "contacts", "insurance", "medications", "screening",
    ]  # fmt: skip
    assert body["details"]["contacts"]["escort_name"] == ""


def test_the_patient_saves_steps_and_submits(world, newcomer_api):
    steps = _json_steps(world.clinic, Pregnancy="yes")
    response = newcomer_api.patch("/api/v1/intake/", {"contacts": steps["contacts"]}, format="json")
    assert response.status_code == 200, response.json()
    assert [s["done"] for s in response.json()["steps"]] == [False, True, False, False, False]

    response = newcomer_api.patch("/api/v1/intake/", steps, format="json")
    assert response.status_code == 200, response.json()
    assert all(s["done"] for s in response.json()["steps"])
    assert {a["answer"] for a in response.json()["answers"]} == {"yes", "no"}

    response = newcomer_api.post("/api/v1/intake/submit/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"


def test_a_bad_step_is_a_400_naming_the_field_and_saves_nothing(world, newcomer_api):
    steps = _json_steps(world.clinic)
    response = newcomer_api.patch(
        "/api/v1/intake/",
        {"medications": steps["medications"], "contacts": {**steps["contacts"], "escort_name": ""}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "escort_name" in response.json()["fields"]
    world.newcomer.refresh_from_db()
    assert world.newcomer.medications == ""


def test_submitting_early_is_a_400_listing_the_steps_left(newcomer_api):
    response = newcomer_api.post("/api/v1/intake/submit/")
    assert response.status_code == 400
    assert response.json()["code"] == "intake_incomplete"
    assert len(response.json()["steps"]) == 5


def test_after_submission_changing_the_answers_is_a_409(world, newcomer_api):
    newcomer_api.patch("/api/v1/intake/", _json_steps(world.clinic), format="json")
    newcomer_api.post("/api/v1/intake/submit/")
    response = newcomer_api.patch(
        "/api/v1/intake/", {"screening": checklist_answers(world.clinic)}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "intake_locked"


def test_staff_see_the_intakes_of_patients_they_may_see(world, api_as, newcomer_api):
    invite(world, patient=world.other_patient.__class__.objects.create(
        clinic=world.clinic, legal_first_name="Solo", legal_last_name="Unteamed",
        date_of_birth="1990-01-01", email="solo@example.com",
    ))  # fmt: skip
    names = lambda person: {  # noqa: E731
        row["patient_name"] for row in api_as(person).get("/api/v1/intakes/").json()["results"]
    }
    assert names(world.admin) == {"Nina Newcomer", "Solo Unteamed"}
    assert names(world.therapist) == {"Nina Newcomer"}
    assert names(world.outsider) == set()
    assert names(world.other_admin) == set()


def test_the_intake_list_costs_a_fixed_number_of_queries(world, api_as):
    from tests.factories import PatientFactory

    client = api_as(world.admin)
    for n in range(4):
        invite(world, patient=PatientFactory(clinic=world.clinic, email=f"n{n}@example.com"))
    client.get("/api/v1/intakes/")  # warm: the role and the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/intakes/")
    assert response.status_code == 200 and response.json()["count"] == 4
    # 1 the token and its user, 2 the staff member and clinic (role), 3 the count,
    # 4 the page of intakes with their patients, 5 the audit row.
    assert len(queries) == 5, [q["sql"] for q in queries.captured_queries]
    invite(world, patient=PatientFactory(clinic=world.clinic, email="n9@example.com"))
    with CaptureQueriesContext(connection) as again:
        client.get("/api/v1/intakes/")
    assert len(again) == len(queries)


def test_medical_staff_review_through_the_api_and_others_are_refused(world, api_as, newcomer_api):
    newcomer_api.patch("/api/v1/intake/", _json_steps(world.clinic), format="json")
    newcomer_api.post("/api/v1/intake/submit/")
    submission = IntakeSubmission.objects.get(patient=world.newcomer)
    url = f"/api/v1/intakes/{submission.pk}/review/"

    assert api_as(world.therapist).post(url).status_code == 403
    assert api_as(world.outsider).post(url).status_code == 403
    response = api_as(world.medical).post(url)
    assert response.status_code == 200 and response.json()["status"] == "reviewed"
    assert response.json()["reviewed_by"] == world.medical.pk
    assert api_as(world.medical).post(url).status_code == 409


def test_staff_invite_through_the_api_and_never_see_the_link(world, api_as):
    response = api_as(world.therapist).post(
        "/api/v1/invitations/", {"patient": world.newcomer.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert set(response.json()) == {
        "id", "patient", "email", "created_at", "expires_at", "used_at", "revoked_at",
    }  # fmt: skip
    assert "invite/" not in response.content.decode()


def test_inviting_a_patient_out_of_reach_is_a_404_and_creates_nothing(world, api_as):
    for person, patient in (
        (world.outsider, world.newcomer),
        (world.other_admin, world.newcomer),
        (world.admin, world.foreign_patient),
    ):
        response = api_as(person).post(
            "/api/v1/invitations/", {"patient": patient.pk}, format="json"
        )
        assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_inviting_a_patient_with_a_login_is_a_409(world, api_as):
    response = api_as(world.admin).post(
        "/api/v1/invitations/", {"patient": world.patient.pk}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "invitation_refused"
