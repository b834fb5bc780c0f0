import datetime
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

    def make(mg, **kwargs):
        kwargs.setdefault("administered_at", timezone.now() - datetime.timedelta(minutes=5))
        return DosingRecordFactory(
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
