"""Shapes of billing codes. NPI, EIN and ICD-10-CM validators live in practice.validators."""

import re

from django.core.exceptions import ValidationError

# CPT Category I: five digits; Category II/III: four digits and F or T; PLA codes: four
# digits and U. HCPCS Level II: a letter and four digits (J3490, G2082).
_CPT = re.compile(r"\d{5}|\d{4}[FTU]")
_HCPCS = re.compile(r"[A-V]\d{4}")
_MODIFIER = re.compile(r"[A-Z0-9]{2}")
MAX_MODIFIERS = 4
MAX_POINTERS = 4
MAX_DIAGNOSES = 12  # A–L on the CMS-1500


def validate_service_code(value: str) -> None:
    """A CPT (Category I/II/III, PLA) or HCPCS Level II code: exactly five characters."""
    if len(value or "") != 5:
        raise ValidationError(
            f"{value or 'A service code'} must be exactly 5 characters (e.g. 90837, 0820T, J3490).",
            code="code_length",
        )
    if not (_CPT.fullmatch(value) or _HCPCS.fullmatch(value)):
        raise ValidationError(
            f"{value} is neither a CPT code (5 digits, or 4 digits and F/T/U) nor a HCPCS code "
            "(a letter and 4 digits).",
            code="code_shape",
        )


def validate_modifiers(value) -> None:
    """At most four two-character modifiers (e.g. 25, 59, GT, 95)."""
    if not isinstance(value, list):
        raise ValidationError("Modifiers are a list of two-character codes.", code="modifiers")
    if len(value) > MAX_MODIFIERS:
        raise ValidationError(
            f"A service line takes at most {MAX_MODIFIERS} modifiers.", code="too_many_modifiers"
        )
    for modifier in value:
        if not isinstance(modifier, str) or not _MODIFIER.fullmatch(modifier):
            raise ValidationError(
                f"{modifier!r} is not a modifier: modifiers are 2 letters or digits (e.g. 25, GT).",
                code="modifier_shape",
            )
    if len(set(value)) != len(value):
        raise ValidationError("A modifier appears twice on the line.", code="modifier_twice")


def validate_pointers(value) -> None:
    """1 to 4 diagnosis pointers, each a rank 1–12 (A–L), none repeated."""
    if not isinstance(value, list) or not value:
        raise ValidationError(
            "Point the line to at least one of the patient's diagnoses.", code="no_pointer"
        )
    if len(value) > MAX_POINTERS:
        raise ValidationError(
            f"A service line points to at most {MAX_POINTERS} diagnoses.", code="too_many_pointers"
        )
    for pointer in value:
        if not isinstance(pointer, int) or isinstance(pointer, bool) or not 1 <= pointer <= 12:
            raise ValidationError(
                f"Diagnosis pointer {pointer!r} is out of range: use 1–12 (A–L).",
                code="pointer_range",
            )
    if len(set(value)) != len(value):
        raise ValidationError("A diagnosis pointer appears twice.", code="pointer_twice")


def validate_pointer_shape(value) -> None:
    """What a stored line may hold: no pointer yet (a suggestion for a patient without a
    diagnosis) or 1–4 valid pointers. Approving and issuing require at least one."""
    if value == []:
        return
    validate_pointers(value)


def pointer_letter(rank_position: int) -> str:
    return "ABCDEFGHIJKL"[rank_position - 1]
