import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import (
    PASSWORD,
    DosingRecordFactory,
    ProductFactory,
    RegistrationFactory,
    StaffFactory,
    UserFactory,
    receive_lot,
)


@pytest.fixture
def nurse(people):
    """A second medical staff member of the main clinic: the usual witness."""
    return StaffFactory(
        clinic=people.clinic,
        role="medical",
        credentials="RN",
        user=UserFactory(username="nina", first_name="Nina", last_name="Nurse"),
    )


@pytest.fixture
def product(people):
    RegistrationFactory(clinic=people.clinic)
    return ProductFactory(clinic=people.clinic, name="Ketamine 50 mg/mL, 10 mL vial")


@pytest.fixture
def lot(product, people):
    """One 10 mL vial of 50 mg/mL: 500 mg, received by the medical staff member."""
    return receive_lot(product=product, received_by=people.medical, lot_number="K2201")


@pytest.fixture
def dose(people):
    """dose(mg) → a dosing record of the patient, given by the medical staff member."""

    hours = itertools.count()

    def make(mg, **kwargs):
        kwargs.setdefault("administered_at", timezone.now() - datetime.timedelta(minutes=5))
        # Each dose in its own slot: PostgreSQL refuses a double-booked clinician or patient.
        starts_at = timezone.now().replace(microsecond=0) + datetime.timedelta(
            days=1, hours=3 * next(hours)
        )
        return DosingRecordFactory(
            session__starts_at=starts_at,
            session__patient=people.patient,
            session__clinician=people.medical,
            administered_by=people.medical,
            dose_mg=Decimal(mg),
            **kwargs,
        )

    return make


@pytest.fixture
def password():
    return PASSWORD
