"""Claims: every required element checked first; a CMS-1500 PDF; 837P batches that an
independent HIPAA X12 validator (pyx12) accepts; 835 remittances posted once."""

import datetime
import io
import re
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

from billing.choices import ClaimStatus, PaymentMethod
from billing.errors import ClaimIncomplete, ClaimRefused
from billing.models import Claim, Payment, Remittance
from billing.services.charges import charge_update
from billing.services.claims import (
    claim_batch_create,
    claim_cms1500_pdf,
    claim_create,
    claim_set_status,
    remittance_import,
)
from tests.billing.x12_support import remittance, validate_x12

NOW = datetime.datetime(2026, 11, 2, 17, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_a_claim_missing_required_elements_is_refused_with_every_one_and_nothing_changes(
    october, codes
):
    patient = codes.patient
    patient.insurance_member_id = ""
    patient.insured_relationship = "spouse"
    patient.save()
    j_code = next(c for c in october if c.code == "J3490")
    charge_update(charge=j_code, ndc="", drug_quantity=None, drug_unit="")

    with pytest.raises(ClaimIncomplete) as refused:
        claim_create(patient=patient, charge_ids=[c.pk for c in october], payer_id=" ")

    missing = " | ".join(refused.value.missing)
    assert "no payer ID" in missing
    assert "no subscriber (member) ID" in missing
    assert "insured's name is missing" in missing
    assert "insured's birth date is missing" in missing
    assert "J3490 on 10/19/2026 has no NDC" in missing
    assert not Claim.objects.exists()


@pytest.mark.django_db
def test_a_charge_is_claimed_once(claim, october, codes):
    with pytest.raises(ClaimRefused):
        claim_create(patient=codes.patient, charge_ids=[october[0].pk], payer_id="60054")


@pytest.mark.django_db
def test_the_cms1500_pdf_prints_the_boxes_and_the_ndc_line(claim, codes):
    reader = PdfReader(io.BytesIO(claim_cms1500_pdf(claim=claim)))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))

    assert "HEALTH INSURANCE CLAIM FORM" in text
    assert codes.patient.insurance_member_id in text
    assert "F43.10" in text and "F41.1" in text
    assert "N4" in text and "ML" in text  # the shaded NDC line above J3490
    assert codes.clinic.tax_id in text and codes.clinic.npi in text
    assert f"${claim.total_charge}" in text


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_an_837p_batch_passes_the_hipaa_validator_with_no_errors(claim, codes):
    batch = claim_batch_create(claims=[claim], created_by=codes.admin)

    ok, ack = validate_x12(batch.x12)
    assert ok, ack
    assert "IK5*A" in ack  # the 999 accepts the transaction set
    assert "LIN**N4*" in batch.x12 and "CTP****" in batch.x12
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert claim.batch == batch


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_an_837p_for_a_dependant_carries_the_patient_loop_and_passes(october, codes):
    patient = codes.patient
    patient.insured_name = "Jordan Rivera"
    patient.insured_relationship = "spouse"
    patient.insured_date_of_birth = datetime.date(1984, 2, 3)
    patient.save()
    claim = claim_create(patient=patient, charge_ids=[c.pk for c in october], payer_id="60054")

    batch = claim_batch_create(claims=[claim])

    ok, ack = validate_x12(batch.x12)
    assert ok, ack
    assert "PAT*01" in batch.x12


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_deliberately_broken_837p_is_rejected_by_the_validator(claim):
    batch = claim_batch_create(claims=[claim])
    # Drop the claim's diagnoses (HI is required in loop 2300).
    broken = re.sub(r"HI\*[^~]*~\n", "", batch.x12)

    ok, ack = validate_x12(broken)
    assert not ok
    assert "IK5*R" in ack


@pytest.mark.django_db
def test_status_moves_by_hand_only_along_the_allowed_path(claim):
    with pytest.raises(ClaimRefused):
        claim_set_status(claim=claim, status=ClaimStatus.PAID)

    claim_set_status(claim=claim, status=ClaimStatus.SUBMITTED)
    claim = claim_set_status(claim=claim, status=ClaimStatus.DENIED, note="CO-50")

    assert [h["status"] for h in claim.history] == ["draft", "submitted", "denied"]


@pytest.mark.django_db
def test_an_835_posts_an_insurance_payment_and_importing_it_twice_changes_nothing(
    claim, october, codes
):
    claim_set_status(claim=claim, status=ClaimStatus.SUBMITTED)
    text = remittance(claim, october)

    first = remittance_import(clinic=codes.clinic, text=text, imported_by=codes.admin)
    again = remittance_import(clinic=codes.clinic, text=text, imported_by=codes.admin)

    assert again == first
    assert Remittance.objects.count() == 1
    [payment] = Payment.objects.filter(method=PaymentMethod.INSURANCE)
    expected = sum((c.amount * Decimal("0.8")).quantize(Decimal("0.01")) for c in october)
    assert payment.amount == expected
    assert sum(a.amount for a in payment.allocations.all()) == expected
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PARTIAL
    assert claim.paid_amount == expected
    assert {a["reason"] for a in first.adjustments} == {"45"}


@pytest.mark.django_db
def test_an_835_naming_an_unknown_claim_posts_nothing(claim, october, codes):
    claim.control_number = "C999-000001"
    text = remittance(claim, october)

    with pytest.raises(ClaimRefused):
        remittance_import(clinic=codes.clinic, text=text)

    assert not Remittance.objects.exists()
    assert not Payment.objects.filter(method=PaymentMethod.INSURANCE).exists()
