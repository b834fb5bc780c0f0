"""Screening before treatment: the clinic's checklist, the result, the medical sign-off."""

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from practice.choices import ContraindicationSeverity, ScreeningResult
from practice.errors import InvalidInput, ScreeningRefused
from practice.models import (
    Clinic,
    ClinicalSettings,
    Contraindication,
    Patient,
    Screening,
    ScreeningFinding,
    StaffMember,
)
from practice.selectors import clinical_settings_for
from practice.services._common import (
    require_clinician,
    require_medical,
    require_same_clinic,
)

ABSOLUTE, RELATIVE = ContraindicationSeverity.ABSOLUTE, ContraindicationSeverity.RELATIVE

# The checklist a new clinic starts with; each clinic may edit, add or retire items.
DEFAULT_CHECKLIST = [
    (
        "Uncontrolled high blood pressure",
        ABSOLUTE,
        "Resting BP persistently ≥ 160/100 despite treatment.",
    ),
    (
        "Certain heart conditions",
        ABSOLUTE,
        "Unstable angina, recent heart attack, heart failure, aneurysm.",
    ),
    (
        "History of psychosis or schizophrenia",
        ABSOLUTE,
        "Including a first-degree family history worth discussing.",
    ),
    (
        "Active substance misuse",
        RELATIVE,
        "Especially ketamine, stimulants or alcohol; consider timing.",
    ),
    ("Pregnancy or breastfeeding", ABSOLUTE, ""),
    (
        "Severe liver disease",
        RELATIVE,
        "Cirrhosis or raised liver enzymes; ketamine is cleared by the liver.",
    ),
    ("Raised intracranial pressure", ABSOLUTE, "Or a recent head injury or mass lesion."),
]

# The same items as a new patient's intake asks them (Contraindication.patient_question).
PLAIN_QUESTIONS = {
    "Uncontrolled high blood pressure": (
        "Do you have high blood pressure that is not well controlled, even with medication?"
    ),
    "Certain heart conditions": (
        "Have you had a heart attack, heart failure, chest pain on exertion (angina), an "
        "aneurysm or another serious heart problem?"
    ),
    "History of psychosis or schizophrenia": (
        "Have you, or a parent, brother or sister, ever had psychosis (seeing or hearing "
        "things others don't, or strong beliefs others don't share) or schizophrenia?"
    ),
    "Active substance misuse": (
        "In the past year, have you used alcohol, ketamine, stimulants or other drugs in a "
        "way that worried you or others?"
    ),
    "Pregnancy or breastfeeding": "Are you pregnant, trying to become pregnant, or breastfeeding?",
    "Severe liver disease": (
        "Have you been told you have serious liver disease, such as cirrhosis or hepatitis?"
    ),
    "Raised intracranial pressure": (
        "Have you had a recent head injury, a brain tumor, or been told the pressure inside "
        "your skull is raised?"
    ),
}


# The finding a screening gets when its baseline pressure is at the clinic's refusal level.
BASELINE_PRESSURE_FINDING = "Baseline blood pressure at or above the dosing limit"


@transaction.atomic
def clinic_clinical_setup(*, clinic: Clinic) -> ClinicalSettings:
    """Give `clinic` its clinical settings and default checklist if it has none (idempotent)."""
    settings, _ = ClinicalSettings.objects.get_or_create(clinic=clinic)
    if not Contraindication.objects.filter(clinic=clinic).exists():
        Contraindication.objects.bulk_create(
            Contraindication(
                clinic=clinic,
                name=name,
                severity=severity,
                guidance=guidance,
                patient_question=PLAIN_QUESTIONS.get(name, ""),
                position=index,
            )
            for index, (name, severity, guidance) in enumerate(DEFAULT_CHECKLIST)
        )
    return settings


@transaction.atomic
def screening_record(
    *,
    patient: Patient,
    by: StaffMember,
    screened_on: datetime.date,
    baseline_systolic: int,
    baseline_diastolic: int,
    baseline_heart_rate: int,
    weight_kg: Decimal,
    findings: list[dict] | None = None,
    medications: str = "",
    notes: str = "",
) -> Screening:
    """Record a screening and decide its result from the findings.

    `findings`: [{"contraindication_id": id, "note": "..."}] for each checklist item found.
    Any absolute item → not cleared; any relative item, or a baseline blood pressure at or
    above the clinic's pre-dose refusal level (recorded as a finding), → needs review (a
    medical staff member signs it off with `screening_sign_off`); none → cleared. Expires
    after the clinic's `screening_valid_months`. Raises RoleNotAllowed, NotInClinic,
    InvalidInput, ValidationError; saves nothing unless everything is valid.
    """
    require_same_clinic(by, patient)
    require_clinician(by, "record a screening")
    if screened_on > patient.clinic.today():
        raise InvalidInput("A screening cannot be dated in the future.")
    findings = findings or []
    ids = [int(f["contraindication_id"]) for f in findings]
    if len(set(ids)) != len(ids):
        raise InvalidInput("Each contraindication can be listed once.")
    items = {c.pk: c for c in Contraindication.objects.filter(clinic=patient.clinic_id, pk__in=ids)}
    if len(items) != len(ids):
        raise InvalidInput("A contraindication is not on this clinic's checklist.")
    severities = {items[i].severity for i in ids}
    settings = clinical_settings_for(patient.clinic_id)
    # A baseline at which a dose would be refused is not a cleared patient, whether or not
    # anyone ticked "uncontrolled high blood pressure": medical staff look at it first.
    high_pressure = (
        isinstance(baseline_systolic, int)
        and isinstance(baseline_diastolic, int)
        and (
            baseline_systolic >= settings.predose_systolic_refuse_at
            or baseline_diastolic >= settings.predose_diastolic_refuse_at
        )
    )
    if ABSOLUTE in severities:
        result = ScreeningResult.NOT_CLEARED
    elif RELATIVE in severities or high_pressure:
        result = ScreeningResult.NEEDS_REVIEW
    else:
        result = ScreeningResult.CLEARED
    months = settings.screening_valid_months
    screening = Screening(
        clinic_id=patient.clinic_id,
        patient=patient,
        screened_on=screened_on,
        screened_by=by,
        medications=medications,
        baseline_systolic=baseline_systolic,
        baseline_diastolic=baseline_diastolic,
        baseline_heart_rate=baseline_heart_rate,
        weight_kg=weight_kg,
        notes=notes,
        result=result,
        expires_on=screened_on + relativedelta(months=months),
    )
    screening.full_clean()
    screening.save()
    ScreeningFinding.objects.bulk_create(
        ScreeningFinding(
            screening=screening,
            contraindication=items[f_id],
            name=items[f_id].name,
            severity=items[f_id].severity,
            note=(finding.get("note") or "")[:300],
        )
        for f_id, finding in zip(ids, findings, strict=True)
    )
    if high_pressure and result == ScreeningResult.NEEDS_REVIEW:
        # Says why it needs review; an absolute finding already says why it is refused.
        ScreeningFinding.objects.create(
            screening=screening,
            name=BASELINE_PRESSURE_FINDING,
            severity=RELATIVE,
            note=(
                f"Baseline {baseline_systolic}/{baseline_diastolic} is at or above the "
                f"clinic's pre-dose limit ({settings.predose_systolic_refuse_at}/"
                f"{settings.predose_diastolic_refuse_at})."
            ),
        )
    return screening


@transaction.atomic
def screening_sign_off(*, screening: Screening, by: StaffMember, reason: str) -> Screening:
    """A medical staff member clears a screening that needs review, saying why.

    Locks the screening row. Only a `needs_review` screening (relative contraindications
    only) can be signed off; an absolute contraindication is never overridden here.
    """
    screening = Screening.objects.select_for_update().get(pk=screening.pk)
    require_same_clinic(by, screening.patient)
    require_medical(by, "sign off a screening")
    reason = (reason or "").strip()
    if screening.result == ScreeningResult.NOT_CLEARED:
        raise ScreeningRefused(
            "This screening found an absolute contraindication; it cannot be signed off. "
            "Record a new screening if the situation has changed."
        )
    if screening.result != ScreeningResult.NEEDS_REVIEW:
        raise ScreeningRefused("This screening does not need a sign-off.")
    if not reason:
        raise InvalidInput("Give the reason it is safe to proceed despite the findings.")
    screening.result = ScreeningResult.CLEARED
    screening.signed_off_by = by
    screening.signed_off_at = timezone.now()
    screening.sign_off_reason = reason
    screening.full_clean()
    screening.save()
    return screening
