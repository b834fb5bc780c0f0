"""Billing from the outside: the API and pages, scoped so a patient gets only their own
superbill PDF and everyone else's answers 404; downloads are audited."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from billing.models import Superbill, SuperbillCounter
from billing.services.payments import payment_record
from billing.services.superbills import superbill_issue
from practice.models import StaffMember
from tests.audit import audited_reads

OCT = {"period_start": datetime.date(2026, 10, 1), "period_end": datetime.date(2026, 10, 31)}


@pytest.fixture
def issued(approved_session, codes):
    approved_session(datetime.date(2026, 10, 5))
    payment_record(
        patient=codes.patient, method="card", amount=Decimal("100"), received_on=OCT["period_end"]
    )
    return superbill_issue(patient=codes.patient, issued_by=codes.admin, **OCT)


def test_a_patient_downloads_their_own_superbill_pdf_and_it_is_audited(issued, codes, api_as):
    response = api_as(codes.patient).get(f"/api/v1/superbills/{issued.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert issued.number in text
    assert audited_reads(issued, actor=codes.patient.user)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("other_patient", 404), ("other_admin", 404), ("therapist", 403), ("admin", 200)],
)
def test_only_the_patient_and_their_clinic_admins_reach_a_superbill(
    issued, codes, api_as, persona, status
):
    client = api_as(getattr(codes, persona))
    assert client.get(f"/api/v1/superbills/{issued.pk}/pdf/").status_code == status
    assert client.get(f"/api/v1/superbills/{issued.pk}/").status_code == status


def test_issuing_through_the_api_refuses_with_the_list_of_what_is_missing(
    approved_session, codes, api_as
):
    approved_session(datetime.date(2026, 10, 5))
    StaffMember.objects.filter(pk=codes.therapist.pk).update(npi="", license_number="")
    response = api_as(codes.admin).post(
        "/api/v1/superbills/",
        {"patient": codes.patient.pk, "period_start": "2026-10-01", "period_end": "2026-10-31"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "superbill_incomplete"
    assert response.json()["missing"] == [
        "no NPI for the rendering provider Bob Therapist, LCSW",
        "no license number for the rendering provider Bob Therapist, LCSW",
    ]
    assert not Superbill.objects.exists()
    assert not SuperbillCounter.objects.filter(last_number__gt=0).exists()


def test_an_admin_approves_a_suggestion_pays_and_issues_through_the_api(codes, api_as):
    from tests.billing.conftest import DENVER
    from tests.factories import completed_session

    completed_session(
        patient=codes.patient,
        clinician=codes.therapist,
        starts_at=datetime.datetime(2026, 10, 5, 10, tzinfo=DENVER),
        minutes=40,
    )
    admin = api_as(codes.admin)
    assert admin.post("/api/v1/charges/suggest/").json() == {"suggested": 1}
    (charge,) = admin.get("/api/v1/charges/?status=suggested").json()["results"]
    assert (charge["code"], charge["amount"]) == ("90834", "160.00")
    patched = admin.patch(f"/api/v1/charges/{charge['id']}/", {"modifiers": ["95"]}, format="json")
    assert patched.json()["modifiers"] == ["95"]
    assert admin.post(f"/api/v1/charges/{charge['id']}/approve/").json()["status"] == "approved"
    paid = admin.post(
        "/api/v1/payments/",
        {
            "patient": codes.patient.pk,
            "method": "check",
            "amount": "160.00",
            "received_on": "2026-10-06",
            "reference": "1042",
        },
        format="json",
    )
    assert paid.status_code == 201
    assert paid.json()["allocations"] == [{"charge": charge["id"], "amount": "160.00"}]
    issued = admin.post(
        "/api/v1/superbills/",
        {"patient": codes.patient.pk, **{k: str(v) for k, v in OCT.items()}},
        format="json",
    )
    assert issued.status_code == 201
    body = issued.json()
    assert (body["total_charged"], body["total_paid"], body["balance"]) == (
        "160.00",
        "160.00",
        "0.00",
    )
    # A patient sees the approved charge but cannot approve or pay.
    patient = api_as(codes.patient)
    assert [c["id"] for c in patient.get("/api/v1/charges/").json()["results"]] == [charge["id"]]
    assert patient.post(f"/api/v1/charges/{charge['id']}/approve/").status_code == 403


def test_the_superbill_list_costs_the_same_queries_for_one_or_many(codes, api_as, approved_session):
    client = api_as(codes.admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/superbills/").status_code == 200
        return len(ctx.captured_queries)

    approved_session(datetime.date(2026, 10, 5))
    superbill_issue(patient=codes.patient, **OCT)
    one = count()
    for day in (6, 7, 8):
        approved_session(datetime.date(2026, 11, day))
    superbill_issue(
        patient=codes.patient,
        period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 30),
    )
    # token user, staff member (actor), count, superbills+patient+replaces, lines, the audit row
    assert count() == one == 6


def test_the_portal_lists_and_downloads_the_patients_superbills(issued, codes, web_as):
    client = web_as(codes.patient)
    portal = client.get("/portal/")
    assert issued.number in portal.content.decode()
    listing = client.get("/portal/superbills/").content.decode()
    assert issued.number in listing
    download = client.get(f"/billing/superbills/{issued.pk}/pdf/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{issued.number}.pdf"'


def test_another_patient_gets_404_for_a_superbill_page_download(issued, codes, web_as):
    assert (
        web_as(codes.other_patient).get(f"/billing/superbills/{issued.pk}/pdf/").status_code == 404
    )


def test_the_ledger_page_issues_and_shows_what_is_missing(approved_session, codes, web_as):
    approved_session(datetime.date(2026, 10, 5))
    StaffMember.objects.filter(pk=codes.therapist.pk).update(npi="")
    client = web_as(codes.admin)
    page = client.post(
        f"/billing/patients/{codes.patient.pk}/",
        {"action": "issue", "period_start": "2026-10-01", "period_end": "2026-10-31"},
    )
    assert page.status_code == 200
    assert "no NPI for the rendering provider Bob Therapist, LCSW" in page.content.decode()
    assert not Superbill.objects.exists()
    StaffMember.objects.filter(pk=codes.therapist.pk).update(npi="1234567893")
    client.post(
        f"/billing/patients/{codes.patient.pk}/",
        {"action": "issue", "period_start": "2026-10-01", "period_end": "2026-10-31"},
    )
    assert Superbill.objects.get().number.endswith("-000001")
    ledger = client.get(f"/billing/patients/{codes.patient.pk}/").content.decode()
    assert "SB-" in ledger
    detail = client.get(f"/patients/{codes.patient.pk}/").content.decode()
    assert 'id="billing-panel"' in detail
    assert client.get("/billing/").status_code == 200


def test_clinicians_have_no_billing_pages(codes, web_as):
    assert web_as(codes.therapist).get(f"/billing/patients/{codes.patient.pk}/").status_code == 403
