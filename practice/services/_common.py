"""Small helpers shared by the clinical services."""

from backend.roles import CLINICIAN_ROLES, MEDICAL
from practice.errors import NotInClinic, RoleNotAllowed
from practice.models import Patient, StaffMember


def require_same_clinic(staff: StaffMember, patient: Patient) -> None:
    if staff.clinic_id != patient.clinic_id or not staff.is_active:
        raise NotInClinic("That staff member does not work at this patient's clinic.")


def require_medical(staff: StaffMember, doing: str) -> None:
    if staff.role != MEDICAL:
        raise RoleNotAllowed(f"Only medical staff may {doing}.")


def require_clinician(staff: StaffMember, doing: str) -> None:
    if staff.role not in CLINICIAN_ROLES:
        raise RoleNotAllowed(f"Only clinicians (therapists and medical staff) may {doing}.")
