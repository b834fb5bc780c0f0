"""A denied claim corrected and sent again (837P CLM05-3 = 7 with REF*F8 when the payer's
claim number is known, else 1), the clinic's submitter ID in the envelope, and the patient's
payer ID as the claim's default — each 837P checked by pyx12."""

import datetime
import re

import pytest
import time_machine

from billing.choices import ClaimStatus
from billing.errors import ClaimRefused
from billing.models import ClaimBatch
from billing.services.claims import (
    claim_batch_create,
    claim_create,
    claim_resubmit,
    claim_set_status,
    remittance_import,
)
from tests.billing.x12_support import remittance, validate_x12

NOW = datetime.datetime(2026, 11, 2, 17, 0, tzinfo=datetime.UTC)
LATER = datetime.datetime(2026, 11, 20, 17, 0, tzinfo=datetime.UTC)


def clm(x12: str) -> list[str]:
    return re.search(r"^CLM\*[^~]*", x12, re.M).group(0).split("*")


@pytest.fixture
def denied(claim, october, codes):
    """The claim sent in a batch, then denied by the payer's 835 (claim number PCN123)."""
    with time_machine.travel(NOW, tick=False):
        claim_batch_create(claims=[claim], created_by=codes.admin)
    text = remittance(claim, october, paid=0)
    text = re.sub(r"CLP\*([^*]*)\*1\*", r"CLP*\1*4*", text)
    remittance_import(clinic=codes.clinic, text=text, imported_by=codes.admin)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DENIED
    assert claim.payer_claim_number == "PCN123"
    return claim


@pytest.mark.django_db
def test_a_first_claim_goes_as_an_original_with_the_clinics_submitter_id(claim, codes):
    codes.clinic.submitter_id = "CLRH77821"
    codes.clinic.save()

    with time_machine.travel(NOW, tick=False):
        batch = claim_batch_create(claims=[claim], created_by=codes.admin)

    ok, ack = validate_x12(batch.x12)
    assert ok, ack
    assert clm(batch.x12)[5] == "11:B:1"
    assert "REF*F8" not in batch.x12
    assert batch.x12.startswith("ISA*00*          *00*          *ZZ*CLRH77821      *")
    assert "GS*HC*CLRH77821*" in batch.x12
    assert "NM1*41*2*" in batch.x12 and "*46*CLRH77821~" in batch.x12


@pytest.mark.django_db
def test_a_denied_claim_sent_again_replaces_the_payers_claim_and_passes_the_validator(
    denied, codes
):
    claim = claim_resubmit(claim=denied, note="Diagnosis pointer corrected", by=codes.admin)
    assert claim.status == ClaimStatus.DRAFT
    assert claim.history[-1]["note"] == "to be sent again: Diagnosis pointer corrected"
    assert claim.history[-1]["by"] == codes.admin.display_name

    with time_machine.travel(LATER, tick=False):
        batch = claim_batch_create(claims=[claim], created_by=codes.admin)

    ok, ack = validate_x12(batch.x12)
    assert ok, ack
    assert clm(batch.x12)[1] == claim.control_number
    assert clm(batch.x12)[5] == "11:B:7"
    # REF*F8 sits in loop 2300 after CLM and before HI.
    assert re.search(r"^CLM\*[^~]*~\nREF\*F8\*PCN123~\nHI\*", batch.x12, re.M)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert claim.batch == batch
    assert ClaimBatch.objects.count() == 2


@pytest.mark.django_db
def test_a_denied_claim_without_the_payers_claim_number_goes_again_as_an_original(denied, codes):
    type(denied).objects.filter(pk=denied.pk).update(payer_claim_number="")
    claim = claim_resubmit(claim=denied, note="Member ID corrected")

    with time_machine.travel(LATER, tick=False):
        batch = claim_batch_create(claims=[claim])

    ok, ack = validate_x12(batch.x12)
    assert ok, ack
    assert clm(batch.x12)[5] == "11:B:1"
    assert "REF*F8" not in batch.x12


@pytest.mark.django_db
def test_a_denied_claim_is_not_batched_before_it_is_put_back_to_draft(denied):
    with pytest.raises(ClaimRefused, match="Only draft claims"):
        claim_batch_create(claims=[denied])


@pytest.mark.django_db
def test_only_a_denied_claim_can_be_sent_again_and_only_with_a_note(claim, denied):
    with pytest.raises(ClaimRefused, match="Say what was corrected"):
        claim_resubmit(claim=denied, note="  ")
    denied.refresh_from_db()
    assert denied.status == ClaimStatus.DENIED
    assert not denied.is_resubmission

    claim_resubmit(claim=denied, note="fixed")
    with pytest.raises(ClaimRefused, match="Only a denied claim"):
        claim_resubmit(claim=denied, note="again")


@pytest.mark.django_db
def test_a_batch_is_refused_when_the_clinic_has_no_submitter_id_and_nothing_changes(claim, codes):
    codes.clinic.submitter_id = ""
    codes.clinic.save()

    with pytest.raises(ClaimRefused, match="no claims submitter ID"):
        claim_batch_create(claims=[claim])

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT
    assert not ClaimBatch.objects.exists()


@pytest.mark.django_db
def test_a_claim_goes_to_the_patients_payer_id_unless_another_is_given(approved_session, codes):
    patient = codes.patient
    patient.insurance_payer_id = "87726"
    patient.save()
    first = approved_session(datetime.date(2026, 10, 5))
    second = approved_session(datetime.date(2026, 10, 12))

    default = claim_create(patient=patient, charge_ids=[c.pk for c in first])
    given = claim_create(patient=patient, charge_ids=[c.pk for c in second], payer_id="60054")

    assert default.payer_id == "87726"
    assert given.payer_id == "60054"


@pytest.mark.django_db
def test_status_changes_by_hand_record_the_note_and_who(claim, codes):
    claim = claim_set_status(
        claim=claim, status=ClaimStatus.SUBMITTED, note="Sent on the portal", by=codes.admin
    )

    assert claim.history[-1]["status"] == "submitted"
    assert claim.history[-1]["note"] == "Sent on the portal"
    assert claim.history[-1]["by"] == codes.admin.display_name
