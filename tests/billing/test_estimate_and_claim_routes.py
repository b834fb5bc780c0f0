"""Good Faith Estimates and claims through the API and the pages: the patient reads and
downloads their own estimate; the admin sees the $400 warning; claims refuse with what is
missing; nothing leaks across patients."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from billing.models import Charge, Claim
from billing.services.estimates import estimate_issue
from practice.choices import Route
from tests.factories import TreatmentPlanFactory

NOV_1 = datetime.datetime(2026, 10, 1, 16, 0, tzinfo=datetime.UTC)


@pytest.fixture
def estimate(codes):
    patient = codes.patient
    patient.insurance_payer = ""
    patient.save()
    plan = TreatmentPlanFactory(patient=patient, route=Route.INTRAMUSCULAR)
    with time_machine.travel(NOV_1, tick=False):
        return estimate_issue(plan=plan, issued_by=codes.admin)


@pytest.mark.django_db
def test_the_patient_downloads_their_estimate_from_the_portal(estimate, codes, web_as):
    client = web_as(codes.patient)

    page = client.get("/portal/superbills/").content.decode()
    pdf = client.get(f"/billing/estimates/{estimate.pk}/pdf/")

    assert "Good Faith Estimates" in page
    assert f"/billing/estimates/{estimate.pk}/pdf/" in page
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_another_patient_gets_404_for_the_estimate(estimate, codes, web_as, api_as):
    assert (
        web_as(codes.other_patient).get(f"/billing/estimates/{estimate.pk}/pdf/").status_code == 404
    )
    assert api_as(codes.other_patient).get(f"/api/v1/estimates/{estimate.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_ledger_warns_when_billed_charges_pass_the_estimate_by_400(
    estimate, approved_session, codes, web_as
):
    charge = approved_session(datetime.date(2026, 10, 5), plan=estimate.plan)[0]
    client = web_as(codes.admin)
    assert (
        'data-testid="estimate-overrun"'
        not in client.get(f"/billing/patients/{codes.patient.pk}/").content.decode()
    )

    Charge.objects.filter(pk=charge.pk).update(amount=estimate.total + Decimal("400"))

    page = client.get(f"/billing/patients/{codes.patient.pk}/").content.decode()
    assert 'data-testid="estimate-overrun"' in page
    assert "may dispute" in page


@pytest.mark.django_db
def test_the_api_issues_an_estimate_and_refuses_an_insured_patient_with_the_reason(codes, api_as):
    plan = TreatmentPlanFactory(patient=codes.patient)
    client = api_as(codes.admin)

    refused = client.post("/api/v1/estimates/", {"plan": plan.pk}, format="json")
    issued = client.post("/api/v1/estimates/", {"plan": plan.pk, "self_pay": True}, format="json")

    assert refused.status_code == 409
    assert "self-pay or uninsured" in refused.json()["missing"][0]
    assert issued.status_code == 201
    assert issued.json()["version"] == 1


@pytest.mark.django_db
def test_the_api_refuses_a_claim_with_every_missing_element_and_creates_nothing(
    approved_session, codes, api_as
):
    charges = approved_session(datetime.date(2026, 10, 5))
    client = api_as(codes.admin)

    response = client.post(
        "/api/v1/claims/",
        {"patient": codes.patient.pk, "charge_ids": [c.pk for c in charges], "payer_id": " "},
        format="json",
    )

    assert response.status_code == 409
    assert "no payer ID" in response.json()["missing"]
    assert not Claim.objects.exists()


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 11, 2, 17, 0, tzinfo=datetime.UTC), tick=False)
def test_the_api_makes_a_claim_its_cms1500_and_an_837p_batch(approved_session, codes, api_as):
    charges = approved_session(datetime.date(2026, 10, 5))
    client = api_as(codes.admin)

    made = client.post(
        "/api/v1/claims/",
        {"patient": codes.patient.pk, "charge_ids": [c.pk for c in charges], "payer_id": "60054"},
        format="json",
    )
    assert made.status_code == 201, made.content
    claim_id = made.json()["id"]
    assert client.get(f"/api/v1/claims/{claim_id}/cms1500/")["Content-Type"] == "application/pdf"
    batch = client.post("/api/v1/claims/batch/", {"claims": [claim_id]}, format="json")

    assert batch.status_code == 201
    assert batch.content.startswith(b"ISA*00*")
    assert client.get(f"/api/v1/claims/{claim_id}/").json()["status"] == "submitted"
    assert api_as(codes.patient).get(f"/api/v1/claims/{claim_id}/").status_code == 403


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/claims/batch/", {"claims": [1, -(2**71)]}),
        ("/api/v1/claims/batch/", {"claims": [2**63]}),
        ("/api/v1/claims/", {"patient": 2**64, "charge_ids": [1], "payer_id": "60054"}),
        ("/api/v1/estimates/", {"plan": -(2**70)}),
    ],
)
def test_an_id_out_of_the_databases_range_is_a_400_never_a_server_error(codes, api_as, path, body):
    from billing.models import Claim, ClaimBatch, GoodFaithEstimate

    answer = api_as(codes.admin).post(path, body, format="json")

    assert answer.status_code == 400, answer.content
    assert not (Claim.objects.exists() or ClaimBatch.objects.exists())
    assert not GoodFaithEstimate.objects.exists()
