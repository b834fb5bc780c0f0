import datetime
import zoneinfo

import pytest

from billing.services.catalogue import service_codes_seed
from billing.services.charges import charge_approve, charges_suggest_for_session
from tests.factories import completed_session

DENVER = zoneinfo.ZoneInfo("America/Denver")


@pytest.fixture
def codes(people):
    service_codes_seed(clinic=people.clinic)
    service_codes_seed(clinic=people.other_clinic)
    return people


@pytest.fixture
def approved_session(codes):
    """approved_session(day, minutes=55, kind=..., patient=erin, clinician=bob) → its charges,
    suggested from the session and approved by the admin."""

    def make(day: datetime.date, *, minutes=55, kind="integration", patient=None, clinician=None):
        starts_at = datetime.datetime.combine(day, datetime.time(10, 0), DENVER)
        session = completed_session(
            patient=patient or codes.patient,
            clinician=clinician or codes.therapist,
            starts_at=starts_at,
            minutes=minutes,
            kind=kind,
        )
        return [
            charge_approve(charge=c, approved_by=codes.admin)
            for c in charges_suggest_for_session(session=session)
        ]

    return make
