"""The clinic admin's overview: identity, staff with caseloads, patients without a team."""

import pytest

from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_the_overview_shows_the_clinic_staff_caseloads_and_unassigned_patients(
    people, web_as, django_assert_max_num_queries
):
    lonely = PatientFactory(
        clinic=people.clinic, legal_first_name="Lonny", legal_last_name="Nobody"
    )
    PatientFactory(clinic=people.other_clinic, legal_first_name="Faraway")
    client = web_as(people.admin)
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_max_num_queries(11):
        response = client.get("/clinic/")
    assert response.status_code == 200
    context = response.context
    assert context["clinic"] == people.clinic
    assert context["patient_count"] == 3
    assert context["portal_count"] == 2
    assert list(context["unassigned_patients"]) == [lonely]
    caseloads = {s.user.username: s.caseload for s in context["staff"]}
    assert caseloads == {"alice": 0, "bob": 1, "charlie": 1, "dana": 1}
    page = response.content.decode()
    assert "Clearwater Ketamine Clinic" in page and "Lonny Nobody" in page
    assert "Faraway" not in page and "Oscar" not in page


@pytest.mark.parametrize("who", ["therapist", "medical", "patient"])
def test_only_admins_see_the_clinic_overview(people, web_as, who):
    assert web_as(getattr(people, who)).get("/clinic/").status_code == 403
