"""The biller's pages for claims and estimates: the claims list (by status, a constant
number of queries), a claim made from open charges (or refused with every missing element),
a claim's page (history with who, status by hand, sent again), the CMS-1500 and 837P
downloads, an 835 upload (a malformed file changes nothing), and estimates on the ledger."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.choices import ClaimStatus, PaymentMethod
from billing.models import Claim, ClaimBatch, GoodFaithEstimate, Payment, Remittance
from billing.services.claims import claim_batch_create, claim_set_status
from practice.choices import Route
from tests.audit import audited_reads
from tests.billing.x12_support import remittance
from tests.factories import PatientFactory, TreatmentPlanFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 2, 17, 0, tzinfo=datetime.UTC)


def claims_for(codes, count: int) -> None:
    """`count` draft claims of patients of the clinic (rows only: the list reads these)."""
    for i in range(count):
        patient = PatientFactory(clinic=codes.clinic)
        Claim.objects.create(
            clinic=codes.clinic, patient=patient, payer_name="Aetna", payer_id="60054",
            subscriber_id=f"W{i}", control_number=f"C{codes.clinic.pk}-9{i:05d}",
            total_charge=Decimal("180"),
        )  # fmt: skip


@pytest.mark.parametrize("count", [3, 30])
def test_the_claims_list_uses_a_constant_number_of_queries(
    codes, web_as, django_assert_num_queries, count
):
    claims_for(codes, count)
    client = web_as(codes.admin)
    # 1. the session
    # 2. the session's user
    # 3. the session's second-factor device (django-otp: the session is verified)
    # 4. the user's staff record with their clinic (role, scope, the clinic's zone)
    # 5. COUNT(*) of the visible claims (paginator)
    # 6. the page of claims with their patients (joined)
    # 7. the five latest batches (without their files)
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(8):
        response = client.get("/billing/claims/")
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == count


def test_the_claims_list_filters_by_status(claim, october, codes, web_as):
    claims_for(codes, 2)
    claim_set_status(claim=claim, status=ClaimStatus.SUBMITTED)
    client = web_as(codes.admin)

    submitted = client.get("/billing/claims/?status=submitted")
    drafts = client.get("/billing/claims/?status=draft")
    everything = client.get("/billing/claims/?status=nonsense")

    assert [c.pk for c in submitted.context["claims"]] == [claim.pk]
    assert claim.pk not in [c.pk for c in drafts.context["claims"]]
    assert len(drafts.context["claims"]) == 2
    assert len(everything.context["claims"]) == 3


def test_the_billing_home_and_the_ledger_link_to_claims_and_estimates(claim, codes, web_as):
    client = web_as(codes.admin)

    home = client.get("/billing/").content.decode()
    ledger = client.get(f"/billing/patients/{codes.patient.pk}/").content.decode()

    assert 'href="/billing/claims/"' in home
    assert 'href="/billing/remittances/new/"' in home
    assert f'href="/billing/claims/{claim.pk}/"' in ledger
    assert 'id="estimates"' in ledger


def test_a_claim_is_made_from_the_chosen_open_charges(october, codes, web_as):
    codes.patient.insurance_payer_id = "87726"
    codes.patient.save()
    client = web_as(codes.admin)
    url = f"/billing/patients/{codes.patient.pk}/claims/new/"

    page = client.get(url)
    assert page.context["form"].initial["payer_id"] == "87726"
    response = client.post(url, {"charges": [october[0].pk], "payer_id": ""})

    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/billing/claims/{claim.pk}/"
    assert claim.payer_id == "87726"
    assert [line.charge_id for line in claim.lines.all()] == [october[0].pk]
    # The claimed charge is no longer offered; the other one still is.
    offered = client.get(url).context["form"].fields["charges"].queryset
    assert {c.pk for c in offered} == {c.pk for c in october[1:]}


def test_a_claim_missing_elements_is_refused_with_the_list_and_nothing_is_made(
    october, codes, web_as
):
    codes.patient.insurance_member_id = ""
    codes.patient.save()
    client = web_as(codes.admin)

    response = client.post(
        f"/billing/patients/{codes.patient.pk}/claims/new/",
        {"charges": [c.pk for c in october], "payer_id": " "},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "The claim was not made" in page
    assert "<li>no payer ID</li>" in page
    assert "no subscriber (member) ID" in page
    assert not Claim.objects.exists()


def test_another_patients_charge_cannot_be_put_on_a_claim(october, codes, web_as):
    response = web_as(codes.admin).post(
        f"/billing/patients/{codes.other_patient.pk}/claims/new/",
        {"charges": [october[0].pk], "payer_id": "60054"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["charges"]
    assert not Claim.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_claim_page_shows_lines_and_history_and_records_a_status_by_hand(claim, codes, web_as):
    client = web_as(codes.admin)
    url = f"/billing/claims/{claim.pk}/"

    client.post(url, {"action": "status", "status": "submitted", "note": "Sent on the portal"})
    page = client.get(url).content.decode()

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert "J3490" in page and "90837" in page
    # 17:00 UTC is 10:00 in Denver (the clinic's zone).
    history = re.search(r'data-testid="claim-history">(.*?)</ol>', page, re.S).group(1)
    assert "Sent on the portal" in history
    assert codes.admin.display_name in history
    assert "10:00" in history
    assert audited_reads(claim, actor=codes.admin.user)


def test_a_status_the_claim_cannot_take_is_refused_and_changes_nothing(claim, codes, web_as):
    response = web_as(codes.admin).post(
        f"/billing/claims/{claim.pk}/", {"action": "status", "status": "paid"}
    )

    assert response.status_code == 200
    assert response.context["status_form"].errors["status"]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT


def test_a_denied_claim_is_sent_again_from_its_page(claim, codes, web_as):
    claim_set_status(claim=claim, status=ClaimStatus.SUBMITTED)
    claim_set_status(claim=claim, status=ClaimStatus.DENIED, note="CO-16")
    client = web_as(codes.admin)

    refused = client.post(f"/billing/claims/{claim.pk}/", {"action": "resubmit", "note": ""})
    claim.refresh_from_db()
    assert refused.status_code == 200 and claim.status == ClaimStatus.DENIED

    client.post(f"/billing/claims/{claim.pk}/", {"action": "resubmit", "note": "NPI fixed"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT
    assert claim.is_resubmission
    assert claim.history[-1]["by"] == codes.admin.display_name


def test_the_cms1500_downloads_as_a_pdf_and_is_audited(claim, codes, web_as):
    response = web_as(codes.admin).get(f"/billing/claims/{claim.pk}/cms1500/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert codes.patient.legal_last_name not in response["Content-Disposition"]
    assert audited_reads(claim, actor=codes.admin.user)


@time_machine.travel(NOW, tick=False)
def test_the_chosen_drafts_download_as_an_837p_batch_named_without_phi(claim, codes, web_as):
    client = web_as(codes.admin)

    response = client.post("/billing/claims/batch/", {"claims": [claim.pk]})

    batch = ClaimBatch.objects.get()
    assert response.status_code == 200
    assert response.content.startswith(b"ISA*")
    assert response.content.decode() == batch.x12
    assert response["Content-Disposition"] == 'attachment; filename="837p-000000001.txt"'
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED and claim.batch == batch
    again = client.get(f"/billing/claims/batches/{batch.pk}/")
    assert again.content.decode() == batch.x12
    assert audited_reads(claim, actor=codes.admin.user)  # the re-download names the claim


def test_a_refused_batch_is_a_message_and_changes_nothing(claim, codes, web_as):
    codes.clinic.submitter_id = ""
    codes.clinic.save()
    client = web_as(codes.admin)

    response = client.post("/billing/claims/batch/", {"claims": [claim.pk]}, follow=True)

    assert "no claims submitter ID" in response.content.decode()
    assert not ClaimBatch.objects.exists()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT


def test_another_clinics_claim_cannot_be_batched(claim, codes, web_as):
    response = web_as(codes.other_admin).post("/billing/claims/batch/", {"claims": [claim.pk]})

    assert response.status_code == 404
    assert not ClaimBatch.objects.exists()


def upload(text: str, name="era.835"):
    return SimpleUploadedFile(name, text.encode(), content_type="application/octet-stream")


@time_machine.travel(NOW, tick=False)
def test_an_835_upload_pays_the_claim_and_says_what_it_did(claim, october, codes, web_as):
    claim_batch_create(claims=[claim])
    paid = sum((c.amount for c in october), Decimal("0"))
    client = web_as(codes.admin)

    response = client.post(
        "/billing/remittances/new/", {"file": upload(remittance(claim, october, paid=paid))}
    )

    remittance_row = Remittance.objects.get()
    assert response["Location"] == f"/billing/remittances/{remittance_row.pk}/"
    page = client.get(response["Location"]).content.decode()
    counts = re.search(r'data-testid="remittance-counts">(.*?)</p>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", counts) == (
        "1 claim(s) paid, 0 partly paid, 0 denied; 1 payment(s) posted."
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    assert Payment.objects.get(method=PaymentMethod.INSURANCE).amount == paid


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("this is not an 835", "does not look like an 835"),
        ("ISA*00*garbage~", "does not look like an 835"),
    ],
)
def test_a_malformed_835_is_a_form_error_and_posts_nothing(claim, codes, web_as, text, reason):
    response = web_as(codes.admin).post("/billing/remittances/new/", {"file": upload(text)})

    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not Remittance.objects.exists()
    assert not Payment.objects.exists()


def test_an_835_naming_a_claim_never_sent_is_a_form_error(claim, october, codes, web_as):
    claim.control_number = "C999-000001"

    response = web_as(codes.admin).post(
        "/billing/remittances/new/", {"file": upload(remittance(claim, october))}
    )

    assert "never sent" in response.content.decode()
    assert not Remittance.objects.exists()


def test_a_binary_file_is_a_form_error(codes, web_as):
    response = web_as(codes.admin).post(
        "/billing/remittances/new/",
        {"file": SimpleUploadedFile("scan.pdf", b"%PDF\xff\xfe\x00")},
    )

    assert response.status_code == 200
    assert "not a text file" in response.content.decode()


# ---------------------------------------------------------------- estimates on the ledger


@pytest.fixture
def self_pay(codes):
    patient = codes.patient
    patient.insurance_payer = ""
    patient.save()
    return TreatmentPlanFactory(patient=patient, route=Route.INTRAMUSCULAR)


def test_the_ledger_issues_an_estimate_and_lists_its_versions(self_pay, codes, web_as):
    url = f"/billing/patients/{codes.patient.pk}/"

    # Issued at 01:30 UTC on Nov 3: Nov 2 in Denver. Signed in then too: a session opened
    # at another moment of the clock may have expired by then.
    with time_machine.travel(datetime.datetime(2026, 11, 3, 1, 30, tzinfo=datetime.UTC)):
        client = web_as(codes.admin)
        client.post(url, {"action": "estimate", "plan": self_pay.pk})
        client.post(url, {"action": "estimate", "plan": self_pay.pk})
        page = client.get(url).content.decode()

    first, second = GoodFaithEstimate.objects.order_by("version")
    rows = re.findall(r'<tr data-estimate="(\d+)">(.*?)</tr>', page, re.S)
    assert [int(pk) for pk, _ in rows] == [second.pk, first.pk]
    assert "current" in rows[0][1] and "superseded" in rows[1][1]
    assert "Nov 2, 2026" in rows[0][1]
    assert f'href="/billing/estimates/{second.pk}/pdf/"' in rows[0][1]


def test_an_estimate_the_service_refuses_shows_what_is_missing(codes, web_as):
    plan = TreatmentPlanFactory(patient=codes.patient)  # insured, not self-pay

    response = web_as(codes.admin).post(
        f"/billing/patients/{codes.patient.pk}/", {"action": "estimate", "plan": plan.pk}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="estimate-missing"' in page
    assert "self-pay or uninsured" in page
    assert not GoodFaithEstimate.objects.exists()


def test_another_patients_plan_cannot_be_estimated_from_this_ledger(codes, web_as):
    plan = TreatmentPlanFactory(patient=codes.other_patient)

    response = web_as(codes.admin).post(
        f"/billing/patients/{codes.patient.pk}/", {"action": "estimate", "plan": plan.pk}
    )

    assert response.status_code == 200
    assert response.context["estimate_form"].errors["plan"]
    assert not GoodFaithEstimate.objects.exists()


@pytest.mark.parametrize("bad", [str(2**63), "-1", "x"])
def test_a_batch_naming_an_impossible_id_is_404_and_changes_nothing(claim, codes, web_as, bad):
    response = web_as(codes.admin).post("/billing/claims/batch/", {"claims": [claim.pk, bad]})

    assert response.status_code == 404
    assert not ClaimBatch.objects.exists()
