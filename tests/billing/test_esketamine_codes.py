"""G2082 and G2083 follow from esketamine sessions, read from the dose given: 56 mg is
G2082 (up to 56 mg, with two hours' observation), 84 mg is G2083 (more than 56 mg); a
ketamine dose never suggests either, whatever its route and milligrams. The superbill
lists the code (read back from its PDF)."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from billing.services.charges import charge_approve, charges_suggest_for_session
from billing.services.superbills import superbill_issue, superbill_pdf_bytes
from practice.choices import Route
from practice.models import TreatmentPlan
from tests.billing.conftest import DENVER
from tests.factories import DosingRecordFactory, completed_session

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 10, 7)
ESKETAMINE_CODES = {"G2082", "G2083"}


def dosing_session(people, *, route, dose_mg):
    session = completed_session(
        patient=people.patient,
        clinician=people.medical,
        starts_at=datetime.datetime.combine(DAY, datetime.time(9, 0), DENVER),
        minutes=135,
        kind="dosing",
    )
    DosingRecordFactory(
        session=session, route=route, dose_mg=Decimal(dose_mg), administered_by=people.medical
    )
    return session


@pytest.mark.parametrize(("mg", "code"), [("56", "G2082"), ("84", "G2083")])
def test_an_esketamine_dose_suggests_its_g_code(codes, mg, code):
    session = dosing_session(codes, route=Route.ESKETAMINE_NASAL, dose_mg=mg)
    [charge] = charges_suggest_for_session(session=session)
    assert (charge.code, charge.units, charge.rendering_provider) == (code, 1, codes.medical)
    assert charge.date_of_service == DAY
    assert charge.description.startswith("Esketamine nasal self-administration")


@pytest.mark.parametrize(
    "route", [Route.INTRAMUSCULAR, Route.INTRANASAL, Route.INTRAVENOUS, Route.SUBCUTANEOUS]
)
@pytest.mark.parametrize("mg", ["56", "84"])
def test_a_ketamine_dose_never_suggests_the_esketamine_codes(codes, route, mg):
    session = dosing_session(codes, route=route, dose_mg=mg)
    suggested = {c.code for c in charges_suggest_for_session(session=session)}
    assert suggested and not suggested & ESKETAMINE_CODES


def test_an_esketamine_session_without_a_dose_suggests_nothing(codes):
    plan = TreatmentPlan.objects.create(
        clinic=codes.clinic,
        patient=codes.patient,
        route=Route.ESKETAMINE_NASAL,
        starting_dose_mg=Decimal("56"),
        status="active",
    )
    session = completed_session(
        patient=codes.patient,
        clinician=codes.medical,
        starts_at=datetime.datetime.combine(DAY, datetime.time(9, 0), DENVER),
        minutes=120,
        kind="dosing",
    )
    session.plan = plan
    session.save()
    assert charges_suggest_for_session(session=session) == []


def test_the_superbill_lists_g2083_for_an_84_mg_session(codes):
    session = dosing_session(codes, route=Route.ESKETAMINE_NASAL, dose_mg="84")
    for charge in charges_suggest_for_session(session=session):
        charge_approve(charge=charge, approved_by=codes.admin)
    superbill = superbill_issue(
        patient=codes.patient,
        issued_by=codes.admin,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
    )
    pdf = PdfReader(io.BytesIO(superbill_pdf_bytes(superbill=superbill)))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pdf.pages))
    assert "G2083" in text
    assert "Esketamine nasal self-administration, over 56 mg, with observation" in text
    assert "G2082" not in text
