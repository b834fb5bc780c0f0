"""The patient page's own actions: clinicians record diagnoses, admins manage the care team.
Every action goes through practice.services; a refusal is shown on the page and changes
nothing."""

import pytest

from practice.models import CareTeam, Diagnosis

pytestmark = pytest.mark.django_db


def page_after(client, response):
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("who", ["therapist", "medical", "admin"])
def test_staff_add_a_diagnosis_from_the_patient_page(people, web_as, who):
    client = web_as(getattr(people, who))
    response = client.post(f"/patients/{people.patient.pk}/diagnoses/", {"code": "f40.10"})
    assert response["Location"] == f"/patients/{people.patient.pk}/"
    page = page_after(client, response)
    assert "Diagnosis F40.10 Social phobia, unspecified added." in page
    assert people.patient.diagnoses.filter(code="F40.10", rank=2).exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("F42", "F42 is a category, not a billable code"),
        ("F42.0", "F42.0 is not an ICD-10-CM code in the US code set"),
        ("F41.1", "already"),
        ("", "This field is required."),
    ],
)
def test_a_refused_diagnosis_is_explained_on_the_page_and_not_saved(people, web_as, code, message):
    client = web_as(people.therapist)
    response = client.post(f"/patients/{people.patient.pk}/diagnoses/", {"code": code})
    assert message in page_after(client, response)
    assert list(people.patient.diagnoses.values_list("code", flat=True)) == ["F41.1"]


def test_a_clinician_removes_a_diagnosis(people, web_as):
    diagnosis = people.patient.diagnoses.get()
    client = web_as(people.therapist)
    response = client.post(f"/patients/{people.patient.pk}/diagnoses/{diagnosis.pk}/remove/")
    assert "Diagnosis F41.1 removed." in page_after(client, response)
    assert not Diagnosis.objects.filter(pk=diagnosis.pk).exists()


def test_a_diagnosis_of_another_patient_cannot_be_removed_through_this_patients_page(
    people, web_as
):
    from tests.factories import DiagnosisFactory

    foreign = DiagnosisFactory(patient=people.other_patient, code="F43.10", rank=1)
    response = web_as(people.admin).post(
        f"/patients/{people.patient.pk}/diagnoses/{foreign.pk}/remove/"
    )
    assert response.status_code == 404
    assert Diagnosis.objects.filter(pk=foreign.pk).exists()


@pytest.mark.parametrize("who", ["outsider", "other_admin"])
def test_staff_who_cannot_see_the_patient_get_404_for_every_action(people, web_as, who):
    client = web_as(getattr(people, who))
    diagnosis = people.patient.diagnoses.get()
    base = f"/patients/{people.patient.pk}"
    assert client.post(f"{base}/diagnoses/", {"code": "F43.10"}).status_code == 404
    assert client.post(f"{base}/diagnoses/{diagnosis.pk}/remove/").status_code == 404
    assert people.patient.diagnoses.count() == 1


def test_an_admin_adds_and_removes_a_care_team_member(people, web_as):
    client = web_as(people.admin)
    detail = client.get(f"/patients/{people.patient.pk}/")
    candidates = list(detail.context["care_team_form"].fields["staff"].queryset)
    # Only active staff of the clinic not yet on the team.
    assert set(candidates) == {people.admin, people.outsider}

    response = client.post(
        f"/patients/{people.patient.pk}/care-team/", {"staff": people.outsider.pk}
    )
    assert "Charlie Outsider, LPC joined the care team." in page_after(client, response)
    assert CareTeam.objects.filter(patient=people.patient, staff=people.outsider).exists()

    response = client.post(f"/patients/{people.patient.pk}/care-team/{people.outsider.pk}/remove/")
    assert "Charlie Outsider, LPC left the care team." in page_after(client, response)
    assert not CareTeam.objects.filter(patient=people.patient, staff=people.outsider).exists()


def test_another_clinics_staff_cannot_be_added_to_the_care_team_from_the_page(people, web_as):
    client = web_as(people.admin)
    before = CareTeam.objects.count()
    response = client.post(
        f"/patients/{people.patient.pk}/care-team/", {"staff": people.other_admin.pk}
    )
    assert "Choose a staff member of this clinic" in page_after(client, response)
    assert CareTeam.objects.count() == before


@pytest.mark.parametrize("who", ["therapist", "medical"])
def test_clinicians_cannot_change_the_care_team_from_the_page(people, web_as, who):
    client = web_as(getattr(people, who))
    before = CareTeam.objects.count()
    base = f"/patients/{people.patient.pk}/care-team"
    assert client.post(f"{base}/", {"staff": people.outsider.pk}).status_code == 403
    assert client.post(f"{base}/{people.therapist.pk}/remove/").status_code == 403
    assert CareTeam.objects.count() == before
    page = client.get(f"/patients/{people.patient.pk}/").content.decode()
    assert "care-team-add" not in page and f"{base}/" not in page


def test_patients_cannot_use_the_record_actions(people, web_as):
    client = web_as(people.patient)
    assert (
        client.post(f"/patients/{people.patient.pk}/diagnoses/", {"code": "F43.10"}).status_code
        == 403
    )
    assert people.patient.diagnoses.count() == 1
