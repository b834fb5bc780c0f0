"""A clinical action on an object out of reach answers 404 whatever its body: the object is
looked up before the body is read, so another clinic's row and a missing one look the same
(an empty body used to answer 400, naming the fields the action wants)."""

import pytest
from django.utils import timezone

from practice.models import SafetyAlert
from tests.factories import ScreeningFactory, StaffFactory, TreatmentPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(people):
    """Another clinic's screening, plan and safety alert, with a medical staff member there."""
    patient = people.foreign_patient
    StaffFactory(clinic=people.other_clinic, role="medical", credentials="MD")
    return {
        "screenings": ScreeningFactory(patient=patient),
        "treatment-plans": TreatmentPlanFactory(patient=patient),
        "safety-alerts": SafetyAlert.objects.create(
            clinic=people.other_clinic,
            patient=patient,
            kind="vitals",
            severity="warning",
            message="Blood pressure above the limit.",
            raised_at=timezone.now(),
        ),
    }


@pytest.mark.parametrize(
    "resource, action",
    [
        ("screenings", "sign-off"),
        ("treatment-plans", "target"),
        ("treatment-plans", "complete"),
        ("treatment-plans", "discontinue"),
        ("safety-alerts", "acknowledge"),
    ],
)
@pytest.mark.parametrize("body", [{}, {"reason": "x", "note": "x", "target_sessions": 3}])
def test_an_action_on_another_clinics_object_answers_404_like_a_missing_one(
    people, api_as, foreign, resource, action, body
):
    api = api_as(people.medical)
    pk = foreign[resource].pk
    before = foreign[resource].__class__.objects.get(pk=pk)
    out_of_reach = api.post(f"/api/v1/{resource}/{pk}/{action}/", body, format="json")
    missing = api.post(f"/api/v1/{resource}/999999/{action}/", body, format="json")
    assert (out_of_reach.status_code, missing.status_code) == (404, 404)
    assert out_of_reach.json() == missing.json()
    after = foreign[resource].__class__.objects.get(pk=pk)
    assert [getattr(after, f.attname) for f in after._meta.concrete_fields] == [
        getattr(before, f.attname) for f in before._meta.concrete_fields
    ]
