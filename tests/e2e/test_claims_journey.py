"""The biller's journey: a claim from a patient's open charges, its 837P batch downloaded,
the payer's 835 uploaded, and the claim shown paid."""

import datetime
from decimal import Decimal

import pytest

from billing.models import Claim
from billing.services.catalogue import service_codes_seed
from billing.services.charges import charge_approve, charges_suggest_for_session
from tests.billing.conftest import DENVER
from tests.billing.x12_support import remittance
from tests.factories import completed_session

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_biller_claims_sends_the_batch_and_posts_the_payers_835(
    people, page, login, tmp_path, screenshot
):
    service_codes_seed(clinic=people.clinic)
    patient = people.patient
    patient.insurance_payer_id = "60054"
    patient.save()
    session = completed_session(
        patient=patient,
        clinician=people.therapist,
        starts_at=datetime.datetime(2026, 10, 5, 10, tzinfo=DENVER),
        minutes=55,
    )
    charges = [
        charge_approve(charge=c, approved_by=people.admin)
        for c in charges_suggest_for_session(session=session)
    ]

    login("alice")
    page.goto(f"/billing/patients/{patient.pk}/")
    page.get_by_role("link", name="Make a claim").click()
    for charge in charges:
        page.get_by_label(f"{charge.code} ·", exact=False).check()
    assert page.get_by_label("Payer ID").input_value() == "60054"
    page.get_by_role("button", name="Make the claim").click()
    claim = Claim.objects.get()
    page.wait_for_url(f"**/billing/claims/{claim.pk}/")
    assert page.get_by_test_id("claim-status").inner_text() == "Draft"

    page.goto("/billing/")
    page.get_by_role("link", name="Claims", exact=True).click()
    page.get_by_label(f"Send {claim.control_number}").check()
    screenshot(page, "claims-list")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the 837P batch").click()
    download = info.value
    assert download.suggested_filename == "837p-000000001.txt"
    assert download.path().read_text().startswith("ISA*")

    era = tmp_path / "payer.835"
    total = sum((c.amount for c in charges), Decimal("0"))
    era.write_text(remittance(claim, charges, paid=total))
    page.goto("/billing/claims/")
    page.get_by_role("link", name="Import an 835 remittance").click()
    page.get_by_label("835 remittance file").set_input_files(str(era))
    page.get_by_role("button", name="Import").click()
    counts = page.get_by_test_id("remittance-counts").inner_text()
    assert counts.startswith("1 claim(s) paid, 0 partly paid, 0 denied; 1 payment(s) posted")

    page.get_by_role("link", name=claim.control_number).click()
    assert page.get_by_test_id("claim-status").inner_text() == "Paid"
