"""Writes to a clinic's people and patient records.

Every function is keyword-only, runs in one transaction, validates with `full_clean()`
before saving, and raises Django's ValidationError (400, per field) or a DomainError.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from practice.errors import AlreadyOnCareTeam, NotInClinic
from practice.models import CareTeam, Clinic, Diagnosis, Patient, StaffMember
from practice.validators import icd10_description, normalize_icd10

PATIENT_FIELDS = frozenset(
    f.name
    for f in Patient._meta.get_fields()
    if f.concrete
    and f.name
    not in {
        "id",
        "clinic",
        "user",
        "created_at",
        "updated_at",
        # Changed only by patient_deactivate / patient_reactivate.
        "is_active",
        "deactivated_at",
        "deactivated_by",
        "deactivation_reason",
    }
)


def _reject_unknown(fields: dict, allowed: frozenset) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: ["This field does not exist."] for name in sorted(unknown)})


@transaction.atomic
def patient_create(*, clinic: Clinic, user=None, **fields) -> Patient:
    """Register a new patient of `clinic`. Raises ValidationError with per-field messages."""
    _reject_unknown(fields, PATIENT_FIELDS)
    patient = Patient(clinic=clinic, user=user, **fields)
    patient.full_clean()
    patient.save()
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, **fields) -> Patient:
    """Change a patient's details; nothing is saved unless every field is valid."""
    _reject_unknown(fields, PATIENT_FIELDS)
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.full_clean()
    patient.save()
    return patient


@transaction.atomic
def diagnosis_add(*, patient: Patient, code: str, rank: int | None = None) -> Diagnosis:
    """Add an ICD-10-CM diagnosis with its official description; rank defaults to the next free."""
    code = normalize_icd10(code)
    existing = Diagnosis.objects.filter(patient=patient)
    if rank is None:
        rank = (max((d.rank for d in existing), default=0)) + 1
    diagnosis = Diagnosis(patient=patient, code=code, rank=rank)
    diagnosis.full_clean(exclude=["description"])
    diagnosis.description = icd10_description(code)
    diagnosis.validate_constraints()
    diagnosis.save()
    return diagnosis


@transaction.atomic
def diagnosis_remove(*, diagnosis: Diagnosis) -> None:
    diagnosis.delete()


@transaction.atomic
def care_team_add(*, patient: Patient, staff: StaffMember, is_primary: bool = False) -> CareTeam:
    """Put a staff member of the patient's clinic on their care team."""
    if staff.clinic_id != patient.clinic_id:
        raise NotInClinic("That staff member works at another clinic.")
    if CareTeam.objects.filter(patient=patient, staff=staff).exists():
        raise AlreadyOnCareTeam(f"{staff.display_name} is already on this patient's care team.")
    return CareTeam.objects.create(patient=patient, staff=staff, is_primary=is_primary)


@transaction.atomic
def care_team_remove(*, patient: Patient, staff: StaffMember) -> None:
    CareTeam.objects.filter(patient=patient, staff=staff).delete()


@transaction.atomic
def patient_deactivate(*, patient: Patient, by, reason: str) -> Patient:
    """Take a patient out of the clinic's active lists; their record stays, readable to
    the care team. A patient is never deleted. `reason` is required (ValidationError);
    deactivating an inactive patient is refused. Locks the patient row."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the patient is deactivated."]})
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if not patient.is_active:
        raise ValidationError({"reason": ["The patient is already inactive."]})
    patient.is_active = False
    patient.deactivated_at = timezone.now()
    patient.deactivated_by = by
    patient.deactivation_reason = reason
    patient.full_clean()
    patient.save(
        update_fields=[
            "is_active",
            "deactivated_at",
            "deactivated_by",
            "deactivation_reason",
            "updated_at",
        ]
    )
    return patient


@transaction.atomic
def patient_reactivate(*, patient: Patient, by) -> Patient:
    """Bring a deactivated patient back to the active lists (the change, with who made
    it, is in the audit history). Refused for an active patient. Locks the patient row."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.is_active:
        raise ValidationError({"patient": ["The patient is already active."]})
    patient.is_active = True
    patient.deactivated_at = None
    patient.deactivated_by = None
    patient.deactivation_reason = ""
    patient.full_clean()
    patient.save(
        update_fields=[
            "is_active",
            "deactivated_at",
            "deactivated_by",
            "deactivation_reason",
            "updated_at",
        ]
    )
    return patient
