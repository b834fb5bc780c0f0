"""The patients API: create, update, filter, search, diagnoses and care team.

Refusals check the error shape ({"code", "detail", "fields"}) and that nothing changed.
"""

import datetime

import pytest

from practice import services
from practice.errors import NotInClinic
from practice.models import CareTeam, Diagnosis, Patient
from tests.factories import CareTeamFactory, DiagnosisFactory, StaffFactory

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "legal_first_name": "Harper",
    "legal_last_name": "Quinn",
    "preferred_name": "Harp",
    "date_of_birth": "1990-07-14",
    "sex": "F",
    "phone": "(720) 555-0133",
    "email": "harper.quinn@example.com",
    "address_line1": "901 Walnut Street",
    "city": "Boulder",
    "state": "CO",
    "postal_code": "80302",
    "insurance_payer": "Cigna",
    "insurance_member_id": "U7781203",
    "escort_name": "Jordan Quinn",
    "escort_phone": "+17205550155",
}


def ids(response):
    return sorted(row["id"] for row in response.json()["results"])


def snapshot(patient):
    patient.refresh_from_db()
    return {f.attname: getattr(patient, f.attname) for f in Patient._meta.concrete_fields}


# Create ------------------------------------------------------------------------------------


def test_an_admin_registers_a_patient_in_their_own_clinic(people, api_as):
    response = api_as(people.admin).post("/api/v1/patients/", NEW_PATIENT, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    patient = Patient.objects.get(pk=body["id"])
    assert patient.clinic == people.clinic
    assert patient.full_name == "Harper Quinn"
    assert str(patient.phone) == "+17205550133"
    assert body["phone"] == "+17205550133"
    assert body["diagnoses"] == [] and body["care_team"] == []
    assert body["has_portal_login"] is False


@pytest.mark.parametrize("who", ["therapist", "medical", "patient"])
def test_only_admins_may_register_a_patient(people, api_as, who):
    before = Patient.objects.count()
    response = api_as(getattr(people, who)).post("/api/v1/patients/", NEW_PATIENT, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "detail": "Your role does not allow this.",
    }
    assert Patient.objects.count() == before


def test_bad_input_is_refused_field_by_field_and_nothing_is_created(people, api_as):
    before = Patient.objects.count()
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    payload = {
        **NEW_PATIENT,
        "legal_last_name": "",
        "date_of_birth": tomorrow,
        "phone": "555",
        "email": "not-an-email",
        "sex": "Q",
    }
    response = api_as(people.admin).post("/api/v1/patients/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"legal_last_name", "date_of_birth", "phone", "email", "sex"}
    assert body["fields"]["date_of_birth"] == ["A date of birth cannot be in the future."]
    assert "phone number" in body["fields"]["phone"][0]
    assert body["detail"]  # one sentence a person can read
    assert Patient.objects.count() == before


# Update ------------------------------------------------------------------------------------


def test_an_admin_updates_a_patients_details(people, api_as):
    url = f"/api/v1/patients/{people.patient.pk}/"
    response = api_as(people.admin).patch(
        url, {"insurance_payer": "United Healthcare", "escort_name": "Max Patient"}, format="json"
    )
    assert response.status_code == 200, response.json()
    people.patient.refresh_from_db()
    assert people.patient.insurance_payer == "United Healthcare"
    assert people.patient.escort_name == "Max Patient"


def test_a_bad_update_changes_nothing(people, api_as):
    before = snapshot(people.patient)
    response = api_as(people.admin).patch(
        f"/api/v1/patients/{people.patient.pk}/",
        {"insurance_payer": "Changed", "escort_phone": "12"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["escort_phone"]
    assert snapshot(people.patient) == before


@pytest.mark.parametrize("who", ["therapist", "medical", "patient"])
def test_only_admins_may_change_a_patients_details(people, api_as, who):
    before = snapshot(people.patient)
    response = api_as(getattr(people, who)).patch(
        f"/api/v1/patients/{people.patient.pk}/", {"legal_last_name": "Hacked"}, format="json"
    )
    assert response.status_code == 403
    assert snapshot(people.patient) == before


def test_another_clinics_admin_cannot_update_our_patient(people, api_as):
    before = snapshot(people.patient)
    response = api_as(people.other_admin).patch(
        f"/api/v1/patients/{people.patient.pk}/", {"legal_last_name": "Hacked"}, format="json"
    )
    assert response.status_code == 404
    assert snapshot(people.patient) == before


# Filter and search -------------------------------------------------------------------------


def test_patients_are_filtered_by_care_team_member(people, api_as):
    client = api_as(people.admin)
    assert ids(client.get(f"/api/v1/patients/?care_team_staff={people.therapist.pk}")) == [
        people.patient.pk
    ]
    assert ids(client.get(f"/api/v1/patients/?care_team_staff={people.outsider.pk}")) == [
        people.other_patient.pk
    ]


@pytest.mark.parametrize("value", ["-3.616988307244139e+29", "99999999999999999999", "1.5", "x"])
def test_a_care_team_filter_that_is_no_id_is_a_400(people, api_as, value):
    response = api_as(people.admin).get("/api/v1/patients/", {"care_team_staff": value})
    assert response.status_code == 400
    assert "care_team_staff" in response.json()["fields"]


def test_patients_are_filtered_by_diagnosis_code(people, api_as):
    DiagnosisFactory(patient=people.other_patient, code="F43.10", rank=1)
    client = api_as(people.admin)
    assert ids(client.get("/api/v1/patients/?diagnosis=F41.1")) == [people.patient.pk]
    assert ids(client.get("/api/v1/patients/?diagnosis=F43.10")) == [people.other_patient.pk]


def test_patients_are_filtered_by_sex_and_payer(people, api_as):
    Patient.objects.filter(pk=people.other_patient.pk).update(sex="M", insurance_payer="Cigna")
    client = api_as(people.admin)
    assert ids(client.get("/api/v1/patients/?sex=M")) == [people.other_patient.pk]
    assert ids(client.get("/api/v1/patients/?insurance_payer=cig")) == [people.other_patient.pk]
    assert ids(client.get("/api/v1/patients/?insurance_payer=aetna")) == [people.patient.pk]


def test_a_filter_never_widens_the_scope(people, api_as):
    # The other clinic's patient matches the filter but stays out of reach.
    DiagnosisFactory(patient=people.foreign_patient, code="F41.1", rank=1)
    client = api_as(people.therapist)
    assert ids(client.get("/api/v1/patients/?diagnosis=F41.1")) == [people.patient.pk]


def test_patients_are_searched_by_legal_or_preferred_name(people, api_as):
    Patient.objects.filter(pk=people.other_patient.pk).update(preferred_name="Frankie")
    client = api_as(people.admin)
    assert ids(client.get("/api/v1/patients/?search=erin")) == [people.patient.pk]
    assert ids(client.get("/api/v1/patients/?search=frankie")) == [people.other_patient.pk]
    assert ids(client.get("/api/v1/patients/?search=gina")) == []  # other clinic


# Diagnoses action --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["therapist", "medical", "admin"])
def test_staff_who_see_the_patient_add_a_diagnosis_with_its_official_description(
    people, api_as, who
):
    response = api_as(getattr(people, who)).post(
        f"/api/v1/patients/{people.patient.pk}/diagnoses/", {"code": "f4310"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == "F43.10"
    assert response.json()["description"] == "Post-traumatic stress disorder, unspecified"
    assert response.json()["rank"] == 2


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("F42", "F42 is a category, not a billable code"),
        ("F42.0", "F42.0 is not an ICD-10-CM code in the US code set"),
    ],
)
def test_a_diagnosis_outside_the_billable_us_set_is_refused(people, api_as, code, message):
    before = list(Diagnosis.objects.values_list("pk", flat=True))
    response = api_as(people.therapist).post(
        f"/api/v1/patients/{people.patient.pk}/diagnoses/", {"code": code}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert message in body["fields"]["code"][0]
    assert list(Diagnosis.objects.values_list("pk", flat=True)) == before


def test_the_same_diagnosis_twice_is_refused(people, api_as):
    response = api_as(people.therapist).post(
        f"/api/v1/patients/{people.patient.pk}/diagnoses/", {"code": "F41.1"}, format="json"
    )
    assert response.status_code == 400
    assert people.patient.diagnoses.count() == 1


@pytest.mark.parametrize("who", ["outsider", "other_admin"])
def test_staff_who_cannot_see_the_patient_cannot_add_a_diagnosis(people, api_as, who):
    response = api_as(getattr(people, who)).post(
        f"/api/v1/patients/{people.patient.pk}/diagnoses/", {"code": "F43.10"}, format="json"
    )
    assert response.status_code == 404
    assert people.patient.diagnoses.count() == 1


def test_a_patient_cannot_diagnose_themself(people, api_as):
    response = api_as(people.patient).post(
        f"/api/v1/patients/{people.patient.pk}/diagnoses/", {"code": "F43.10"}, format="json"
    )
    assert response.status_code == 403
    assert people.patient.diagnoses.count() == 1


# Care-team action --------------------------------------------------------------------------


def test_an_admin_puts_a_clinician_on_the_care_team(people, api_as):
    response = api_as(people.admin).post(
        f"/api/v1/patients/{people.patient.pk}/care-team/",
        {"staff_id": people.outsider.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["staff_id"] == people.outsider.pk
    # ...and from now on that clinician sees the patient.
    assert people.patient.pk in ids(api_as(people.outsider).get("/api/v1/patients/"))


def test_another_clinics_staff_cannot_join_the_care_team(people, api_as):
    before = CareTeam.objects.count()
    response = api_as(people.admin).post(
        f"/api/v1/patients/{people.patient.pk}/care-team/",
        {"staff_id": people.other_admin.pk},
        format="json",
    )
    assert response.status_code == 404
    assert CareTeam.objects.count() == before


def test_the_service_refuses_another_clinics_staff_even_when_called_directly(people):
    stranger = StaffFactory(clinic=people.other_clinic)
    with pytest.raises(NotInClinic, match="works at another clinic"):
        services.care_team_add(patient=people.patient, staff=stranger)
    assert not CareTeam.objects.filter(staff=stranger).exists()


def test_a_member_already_on_the_care_team_is_refused_with_409(people, api_as):
    before = CareTeam.objects.count()
    response = api_as(people.admin).post(
        f"/api/v1/patients/{people.patient.pk}/care-team/",
        {"staff_id": people.therapist.pk},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_on_care_team"
    assert "already on this patient's care team" in response.json()["detail"]
    assert CareTeam.objects.count() == before


@pytest.mark.parametrize("who", ["therapist", "medical"])
def test_clinicians_cannot_change_the_care_team(people, api_as, who):
    before = CareTeam.objects.count()
    response = api_as(getattr(people, who)).post(
        f"/api/v1/patients/{people.patient.pk}/care-team/",
        {"staff_id": people.outsider.pk},
        format="json",
    )
    assert response.status_code == 403
    assert CareTeam.objects.count() == before


def test_patient_record_includes_diagnoses_and_care_team(people, api_as):
    CareTeamFactory(patient=people.other_patient, staff=people.medical)
    body = api_as(people.medical).get(f"/api/v1/patients/{people.patient.pk}/").json()
    assert body["diagnoses"] == [
        {
            "id": people.patient.diagnoses.get().pk,
            "code": "F41.1",
            "description": "Generalized anxiety disorder",
            "rank": 1,
        }
    ]
    assert [(m["name"], m["role"], m["is_primary"]) for m in body["care_team"]] == [
        ("Bob Therapist, LCSW", "therapist", True),
        ("Dana Medic, MD", "medical", False),
    ]
