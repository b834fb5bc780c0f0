import datetime

import pytest
from django.utils import timezone

from tests.factories import SessionFactory, note_template


@pytest.fixture
def session(people):
    """An integration session of Erin with Bob (her therapist), yesterday."""
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)
    return SessionFactory(
        patient=people.patient,
        clinician=people.therapist,
        kind="integration",
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=50),
        status="completed",
    )


@pytest.fixture
def integration_template(people):
    return note_template(people.clinic, "kap-integration")
