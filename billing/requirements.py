"""What an insurer needs on a superbill and on a claim, checked once for both.

Each function returns sentences an admin can act on (empty when nothing is missing); the
superbill's and the claim's checks add only what is their own (a phone number, a payer ID,
the signatures). Pure reads of what the caller already loaded."""

from django.core.exceptions import ValidationError

from billing.validators import validate_pointers
from practice.choices import InsuredRelationship
from practice.validators import validate_ein, validate_icd10cm, validate_npi


def valid(validator, value) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def insured_is_another(patient) -> bool:
    """The patient is not the policy holder (a blank relationship reads as the patient)."""
    return patient.insured_relationship not in ("", InsuredRelationship.SELF)


def organisation_missing(clinic, *, who: str) -> list[str]:
    """The organisation's NPI and EIN, valid; `who` names it ("the practice", "the billing
    provider")."""
    missing = []
    if not clinic.npi:
        missing.append(f"{who} has no organisation NPI")
    elif not valid(validate_npi, clinic.npi):
        missing.append(f"{who} NPI {clinic.npi} fails its check digit")
    if not clinic.tax_id:
        missing.append(f"{who} has no tax ID (EIN)")
    elif not valid(validate_ein, clinic.tax_id):
        missing.append(f"{who} tax ID {clinic.tax_id} is not a valid EIN")
    return missing


def diagnoses_missing(patient, diagnoses, *, at_most: str) -> list[str]:
    """At least one diagnosis, each a billable ICD-10-CM code, at most 12 (`at_most` says
    where the letters A–L go)."""
    missing = []
    if not diagnoses:
        missing.append(f"no diagnosis recorded for {patient.full_name}")
    for diagnosis in diagnoses:
        if not valid(validate_icd10cm, diagnosis.code):
            missing.append(f"diagnosis {diagnosis.code} is not a billable ICD-10-CM code")
    if len(diagnoses) > 12:
        missing.append(f"more than 12 diagnoses ({at_most})")
    return missing


def lines_missing(charges, diagnoses) -> list[str]:
    """Each line: a drug's NDC and quantity on a J-code line, 1–4 pointers to recorded
    diagnoses."""
    ranks = {d.rank for d in diagnoses}
    missing = []
    for charge in charges:
        line = f"{charge.code} on {charge.date_of_service:%m/%d/%Y}"
        if charge.code.startswith("J") and not charge.ndc:
            missing.append(
                f"{line} has no NDC and quantity (give the product an NDC, then suggest the "
                "session's charges again or add it to the line)"
            )
        if not charge.diagnosis_pointers:
            missing.append(f"{line} has no diagnosis pointer")
        elif (
            not valid(validate_pointers, charge.diagnosis_pointers)
            or not set(charge.diagnosis_pointers) <= ranks
        ):
            missing.append(f"{line} points to a diagnosis that is not recorded")
    return missing


def rendering_providers(charges) -> dict:
    """The rendering providers of the lines, by id, in first-seen order."""
    return {c.rendering_provider_id: c.rendering_provider for c in charges}


def providers_missing(providers, *, credentials: bool = True) -> list[str]:
    """Each rendering provider's individual NPI (valid) and, where the document prints them
    (`credentials`: a superbill does, a claim does not), credentials and license number."""
    missing = []
    for provider in providers:
        name = provider.display_name
        if not provider.npi:
            missing.append(f"no NPI for the rendering provider {name}")
        elif not valid(validate_npi, provider.npi):
            missing.append(f"the NPI of {name} ({provider.npi}) fails its check digit")
        if credentials and not provider.credentials:
            missing.append(f"no credentials for the rendering provider {name}")
        if credentials and not provider.license_number:
            missing.append(f"no license number for the rendering provider {name}")
    return missing
