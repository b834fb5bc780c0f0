import pytest

from practice.services.screening import clinic_clinical_setup
from tests.factories import PatientFactory


@pytest.fixture
def world(people):
    """The personas, the clinic's standard checklist, and a new patient with no login yet,
    on the therapist's and the medical staff member's care team."""
    from practice.models import CareTeam

    clinic_clinical_setup(clinic=people.clinic)
    clinic_clinical_setup(clinic=people.other_clinic)
    people.newcomer = PatientFactory(
        clinic=people.clinic,
        legal_first_name="Nina",
        legal_last_name="Newcomer",
        email="nina@example.com",
        escort_name="",
        escort_phone="",
    )
    CareTeam.objects.create(patient=people.newcomer, staff=people.therapist, is_primary=True)
    CareTeam.objects.create(patient=people.newcomer, staff=people.medical)
    return people
