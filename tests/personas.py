"""The people every permission test uses (one set for the whole suite).

- admin:      clinic admin of the main clinic
- therapist:  therapist on the patient's care team
- outsider:   therapist of the same clinic, not on the patient's care team
- medical:    medical staff member on the patient's care team
- patient:    the patient, with a portal login
- other_patient: another patient of the same clinic, with a portal login
- other_admin: admin of another clinic (with a patient of its own, `foreign_patient`)
"""

from dataclasses import dataclass

from practice.models import Clinic, Patient, StaffMember
from tests.factories import (
    CareTeamFactory,
    ClinicFactory,
    DiagnosisFactory,
    PatientFactory,
    StaffFactory,
    UserFactory,
)


@dataclass
class Personas:
    clinic: Clinic
    admin: StaffMember
    therapist: StaffMember
    outsider: StaffMember
    medical: StaffMember
    patient: Patient
    other_patient: Patient
    other_clinic: Clinic
    other_admin: StaffMember
    foreign_patient: Patient


def make_personas() -> Personas:
    clinic = ClinicFactory(name="Clearwater Ketamine Clinic")
    admin = StaffFactory(
        clinic=clinic,
        role="admin",
        credentials="",
        npi="",
        user=UserFactory(username="alice", first_name="Alice", last_name="Admin"),
    )
    therapist = StaffFactory(
        clinic=clinic,
        role="therapist",
        credentials="LCSW",
        user=UserFactory(username="bob", first_name="Bob", last_name="Therapist"),
    )
    outsider = StaffFactory(
        clinic=clinic,
        role="therapist",
        credentials="LPC",
        npi="1000000020",
        user=UserFactory(username="charlie", first_name="Charlie", last_name="Outsider"),
    )
    medical = StaffFactory(
        clinic=clinic,
        role="medical",
        credentials="MD",
        npi="1000000020",
        user=UserFactory(username="dana", first_name="Dana", last_name="Medic"),
    )
    patient = PatientFactory(
        clinic=clinic,
        legal_first_name="Erin",
        legal_last_name="Patient",
        user=UserFactory(username="erin", first_name="Erin", last_name="Patient"),
    )
    other_patient = PatientFactory(
        clinic=clinic,
        legal_first_name="Frank",
        legal_last_name="Other",
        user=UserFactory(username="frank", first_name="Frank", last_name="Other"),
    )
    CareTeamFactory(patient=patient, staff=therapist, is_primary=True)
    CareTeamFactory(patient=patient, staff=medical)
    CareTeamFactory(patient=other_patient, staff=outsider)
    DiagnosisFactory(
        patient=patient, code="F41.1", description="Generalized anxiety disorder", rank=1
    )
    other_clinic = ClinicFactory(name="Elsewhere Wellness")
    other_admin = StaffFactory(
        clinic=other_clinic,
        role="admin",
        credentials="",
        npi="",
        user=UserFactory(username="oscar", first_name="Oscar", last_name="Elsewhere"),
    )
    foreign_patient = PatientFactory(
        clinic=other_clinic, legal_first_name="Gina", legal_last_name="Foreign"
    )
    return Personas(
        clinic,
        admin,
        therapist,
        outsider,
        medical,
        patient,
        other_patient,
        other_clinic,
        other_admin,
        foreign_patient,
    )
