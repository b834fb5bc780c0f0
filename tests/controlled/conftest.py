import datetime
from decimal import Decimal

import pytest
import time_machine
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
def clinic_midday():
    """The clock at noon in the clinic's zone (Denver), ticking: a day's report then holds
    a dose given two hours earlier and the stock received now, whatever the wall clock (at
    00:50 in Denver the dose would fall on yesterday). Use it before the other fixtures
    (`@pytest.mark.usefixtures("clinic_midday")`)."""
    with time_machine.travel(datetime.datetime(2026, 6, 16, 18, 0, tzinfo=datetime.UTC)):
        yield


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

    made = []
    base = []  # fixed at the first dose, so it follows a test's time travel

    def make(mg, **kwargs):
        # Each dose in its own earlier two-hour slot: a clinician is never double-booked.
        if not base:
            base.append(timezone.now().replace(second=0, microsecond=0))
        starts_at = base[0] - datetime.timedelta(hours=2 * (len(made) + 1))
        kwargs.setdefault("administered_at", starts_at + datetime.timedelta(minutes=20))
        record = DosingRecordFactory(
            session__patient=people.patient,
            session__clinician=people.medical,
            session__starts_at=starts_at,
            session__ends_at=starts_at + datetime.timedelta(hours=2),
            administered_by=people.medical,
            dose_mg=Decimal(mg),
            **kwargs,
        )
        made.append(record)
        return record

    return make


@pytest.fixture
def password():
    return PASSWORD
