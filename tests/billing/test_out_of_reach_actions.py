"""A billing action on another clinic's charge or superbill answers 404 whatever its body,
the same as for a missing one: the object is looked up before the body is read (an empty
body used to answer 400, naming the fields the action wants)."""

import datetime
from decimal import Decimal

import pytest

from billing.models import Charge, ServiceCode
from billing.services.charges import charge_approve
from billing.services.superbills import superbill_issue
from tests.factories import DiagnosisFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(people):
    """An approved charge of the other clinic's patient, on an issued superbill."""
    clinic, patient = people.other_clinic, people.foreign_patient
    DiagnosisFactory(patient=patient, rank=1)
    code = ServiceCode.objects.create(
        clinic=clinic, code="90837", description="Psychotherapy, 60 minutes", fee=Decimal("180")
    )
    charge = Charge.objects.create(
        clinic=clinic, patient=patient, service_code=code, code="90837",
        description="Psychotherapy, 60 minutes",
        date_of_service=clinic.today() - datetime.timedelta(days=1), place_of_service="11",
        unit_fee=Decimal("180"), amount=Decimal("180"), diagnosis_pointers=[1],
        rendering_provider=StaffFactory(clinic=clinic, role="therapist", credentials="LPC"),
    )  # fmt: skip
    charge_approve(charge=charge, approved_by=people.other_admin)
    superbill = superbill_issue(
        patient=patient, charge_ids=[charge.pk], issued_by=people.other_admin, notify=False
    )
    return {"charges": charge, "superbills": superbill}


@pytest.mark.parametrize(
    "method, resource, action",
    [
        ("post", "charges", "void/"),
        ("patch", "charges", ""),
        ("post", "superbills", "void/"),
        ("post", "superbills", "correct/"),
    ],
)
@pytest.mark.parametrize("body", [{}, {"reason": "Entered twice."}])
def test_an_action_on_another_clinics_object_answers_404_like_a_missing_one(
    people, api_as, foreign, method, resource, action, body
):
    api = api_as(people.admin)
    obj = foreign[resource]
    status_before = type(obj).objects.get(pk=obj.pk).status
    ask = getattr(api, method)
    out_of_reach = ask(f"/api/v1/{resource}/{obj.pk}/{action}", body, format="json")
    missing = ask(f"/api/v1/{resource}/999999/{action}", body, format="json")
    assert (out_of_reach.status_code, missing.status_code) == (404, 404)
    assert out_of_reach.json() == missing.json()
    assert type(obj).objects.get(pk=obj.pk).status == status_before
