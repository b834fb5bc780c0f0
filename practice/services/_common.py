"""Small helpers shared by the clinical services."""

import calendar
import datetime

from backend.roles import CLINICIAN_ROLES, MEDICAL
from practice.errors import NotInClinic, RoleNotAllowed
from practice.models import Patient, StaffMember


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` plus `months` calendar months, clamped to the month's end (Jan 31 + 1 → Feb 28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def require_same_clinic(staff: StaffMember, patient: Patient) -> None:
    if staff.clinic_id != patient.clinic_id or not staff.is_active:
        raise NotInClinic("That staff member does not work at this patient's clinic.")


def require_medical(staff: StaffMember, doing: str) -> None:
    if staff.role != MEDICAL:
        raise RoleNotAllowed(f"Only medical staff may {doing}.")


def require_clinician(staff: StaffMember, doing: str) -> None:
    if staff.role not in CLINICIAN_ROLES:
        raise RoleNotAllowed(f"Only clinicians (therapists and medical staff) may {doing}.")
