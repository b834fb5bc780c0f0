import datetime
import zoneinfo
from decimal import Decimal

import pytest

from billing.services.catalogue import service_codes_seed
from billing.services.charges import charge_approve, charge_update, charges_suggest_for_session
from billing.services.claims import claim_create
from billing.services.payments import payment_record
from practice.services import diagnosis_add
from tests.billing.stripe_support import stripe_api  # noqa: F401  (the recorded Stripe API)
from tests.factories import (
    CareTeamFactory,
    DiagnosisFactory,
    PatientFactory,
    completed_session,
    dose_from_stock,
)

DENVER = zoneinfo.ZoneInfo("America/Denver")
OCTOBER = datetime.date(2026, 10, 1)


@pytest.fixture
def codes(people):
    service_codes_seed(clinic=people.clinic)
    service_codes_seed(clinic=people.other_clinic)
    return people


@pytest.fixture
def approved_session(codes):
    """approved_session(day, minutes=55, kind=..., patient=erin, clinician=bob, plan=None) →
    its charges, suggested from the session and approved by the admin."""

    def make(
        day: datetime.date,
        *,
        minutes=55,
        kind="integration",
        patient=None,
        clinician=None,
        plan=None,
    ):
        starts_at = datetime.datetime.combine(day, datetime.time(10, 0), DENVER)
        session = completed_session(
            patient=patient or codes.patient,
            clinician=clinician or codes.therapist,
            starts_at=starts_at,
            minutes=minutes,
            kind=kind,
            plan=plan,
        )
        if kind == "dosing":
            dose_from_stock(session, by=codes.medical)
        return [
            charge_approve(charge=c, approved_by=codes.admin)
            for c in charges_suggest_for_session(session=session)
        ]

    return make


@pytest.fixture
def three_paid(approved_session, codes):
    """Erin, Frank and a third patient each with a paid session in October 2026 (and one
    more patient, unpaid, whom month-end leaves out)."""
    patients = [codes.patient, codes.other_patient, PatientFactory(clinic=codes.clinic)]
    for patient in patients[1:]:
        DiagnosisFactory(patient=patient, rank=1)
        CareTeamFactory(patient=patient, staff=codes.therapist)
    for day, patient in enumerate(patients, start=7):
        # One clinician: a different day each, never double-booked.
        approved_session(datetime.date(2026, 10, day), patient=patient)
        payment_record(patient=patient, method="card", amount=Decimal("50"), received_on=OCTOBER)
    # Unpaid: not part of the month-end run.
    unpaid = PatientFactory(clinic=codes.clinic)
    DiagnosisFactory(patient=unpaid, rank=1)
    approved_session(datetime.date(2026, 10, 12), patient=unpaid)
    return patients


@pytest.fixture
def october(approved_session, codes):
    """Erin's October: an integration session and an IM dosing session (with its J-code's
    NDC), two diagnoses."""
    diagnosis_add(patient=codes.patient, code="F43.10")
    charges = approved_session(datetime.date(2026, 10, 5))
    charges += approved_session(
        datetime.date(2026, 10, 19), minutes=120, kind="dosing", clinician=codes.medical
    )
    charge_update(charge=charges[0], diagnosis_pointers=[2, 1])
    return charges


@pytest.fixture
def claim(october, codes):
    return claim_create(
        patient=codes.patient,
        charge_ids=[c.pk for c in october],
        payer_id="60054",
        created_by=codes.admin,
    )
