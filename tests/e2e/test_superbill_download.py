"""A patient signs in, finds last month's superbill in the portal and downloads it."""

import datetime
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from billing.services.catalogue import service_codes_seed
from billing.services.charges import charge_approve, charges_suggest_for_session
from billing.services.payments import payment_record
from billing.services.superbills import superbill_issue
from tests.billing.conftest import DENVER
from tests.factories import completed_session

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_patient_downloads_their_superbill_from_the_portal(people, page, login, screenshot):
    service_codes_seed(clinic=people.clinic)
    session = completed_session(
        patient=people.patient,
        clinician=people.therapist,
        starts_at=datetime.datetime(2026, 10, 5, 10, tzinfo=DENVER),
        minutes=55,
    )
    for charge in charges_suggest_for_session(session=session):
        charge_approve(charge=charge, approved_by=people.admin)
    payment_record(
        patient=people.patient,
        method="card",
        amount=Decimal("210.00"),
        received_on=datetime.date(2026, 10, 5),
    )
    superbill = superbill_issue(
        patient=people.patient,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
    )

    login("erin")
    assert page.locator("#portal-superbills").is_visible()
    screenshot(page, "patient-portal")
    with page.expect_download() as info:
        page.get_by_test_id(f"download-{superbill.number}").click()
    download = info.value
    assert download.suggested_filename == f"{superbill.number}.pdf"
    text = PdfReader(str(download.path())).pages[0].extract_text()
    text = re.sub(r"\s+", " ", text)
    for field in (
        superbill.number,
        "Erin Patient",
        "Date of birth: 04/12/1986",
        "Organisation NPI: 1000000020",
        "Tax ID (EIN): 84-1234567",
        "Bob Therapist LCSW 1234567893",
        "A F41.1 Generalized anxiety disorder",
        "10/05/2026 11 90837",
        "Total charged $210.00",
        "Amount paid $210.00",
        "Balance due $0.00",
    ):
        assert field in text, field
