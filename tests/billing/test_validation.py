"""Every identifier on a superbill is validated: code shapes, modifiers, pointers, and the
NPI / EIN / ICD-10-CM checks shared with practice."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from billing.errors import InvalidCharge, SuperbillIncomplete
from billing.models import Superbill, SuperbillCounter
from billing.services.charges import charge_create, charge_update
from billing.services.superbills import superbill_issue
from billing.validators import validate_modifiers, validate_pointers, validate_service_code
from practice.models import Diagnosis, StaffMember

OCT = {"period_start": datetime.date(2026, 10, 1), "period_end": datetime.date(2026, 10, 31)}


@pytest.mark.parametrize(
    "code", ["90837", "99213", "0820T", "0822T", "1234F", "0001U", "J3490", "G2082", "J0013"]
)
def test_cpt_and_hcpcs_codes_of_the_right_shape_are_accepted(code):
    validate_service_code(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("9083", "exactly 5 characters"),
        ("908370", "exactly 5 characters"),
        ("", "exactly 5 characters"),
        ("0820X", "neither a CPT code"),
        ("J349A", "neither a CPT code"),
        ("JJ490", "neither a CPT code"),
        ("90 83", "neither a CPT code"),
        ("j3490", "neither a CPT code"),
    ],
)
def test_malformed_service_codes_are_refused(code, reason):
    with pytest.raises(ValidationError, match=reason):
        validate_service_code(code)


def test_modifiers_are_two_characters_and_at_most_four():
    validate_modifiers(["25", "59", "GT", "95"])
    validate_modifiers([])
    with pytest.raises(ValidationError, match="at most 4"):
        validate_modifiers(["25", "59", "GT", "95", "XU"])
    with pytest.raises(ValidationError, match="not a modifier"):
        validate_modifiers(["255"])
    with pytest.raises(ValidationError, match="appears twice"):
        validate_modifiers(["25", "25"])


@pytest.mark.parametrize(
    ("pointers", "reason"),
    [
        ([], "at least one"),
        ([0], "out of range"),
        ([13], "out of range"),
        ([1, 2, 3, 4, 5], "at most 4"),
        ([1, 1], "appears twice"),
        (["A"], "out of range"),
    ],
)
def test_diagnosis_pointers_are_one_to_four_ranks_between_1_and_12(pointers, reason):
    with pytest.raises(ValidationError, match=reason):
        validate_pointers(pointers)


def test_pointers_at_the_edges_of_the_range_are_accepted():
    validate_pointers([1])
    validate_pointers([12, 1, 5, 7])


def test_a_pointer_to_a_diagnosis_the_patient_does_not_have_is_refused(codes):
    # Erin has one diagnosis, ranked 1: pointer 2 (B) points at nothing.
    with pytest.raises(InvalidCharge, match="does not match any of the patient's ranked"):
        charge_create(
            patient=codes.patient,
            code="90837",
            date_of_service=datetime.date(2026, 10, 5),
            rendering_provider=codes.therapist,
            diagnosis_pointers=[1, 2],
            approved_by=codes.admin,
        )
    assert not codes.patient.charges.exists()


def test_an_edit_with_too_many_modifiers_is_refused_and_changes_nothing(approved_session):
    (charge,) = approved_session(datetime.date(2026, 10, 5))
    with pytest.raises(InvalidCharge, match="at most 4 modifiers"):
        charge_update(charge=charge, modifiers=["25", "59", "GT", "95", "XU"])
    charge.refresh_from_db()
    assert charge.modifiers == []


def _refusal(patient, **kwargs) -> list[str]:
    with pytest.raises(SuperbillIncomplete) as refused:
        superbill_issue(patient=patient, **OCT, **kwargs)
    assert not Superbill.objects.exists()
    assert not SuperbillCounter.objects.filter(last_number__gt=0).exists()
    return refused.value.missing


def test_a_rendering_provider_npi_failing_its_check_digit_blocks_issuing(approved_session, codes):
    approved_session(datetime.date(2026, 10, 5))
    # 1234567890 has the right shape but the wrong Luhn check digit (…3 is valid).
    StaffMember.objects.filter(pk=codes.therapist.pk).update(npi="1234567890")
    missing = _refusal(codes.patient)
    assert "the NPI of Bob Therapist, LCSW (1234567890) fails its check digit" in missing


def test_a_missing_npi_and_a_missing_diagnosis_are_both_listed(approved_session, codes):
    approved_session(datetime.date(2026, 10, 5))
    StaffMember.objects.filter(pk=codes.therapist.pk).update(npi="")
    Diagnosis.objects.filter(patient=codes.patient).delete()
    missing = _refusal(codes.patient)
    assert "no NPI for the rendering provider Bob Therapist, LCSW" in missing
    assert "no diagnosis recorded for Erin Patient" in missing
    assert "90837 on 10/05/2026 points to a diagnosis that is not recorded" in missing


def test_an_invalid_ein_and_practice_npi_block_issuing(approved_session, codes):
    approved_session(datetime.date(2026, 10, 5))
    type(codes.clinic).objects.filter(pk=codes.clinic.pk).update(
        tax_id="00-1234567", npi="1000000021"
    )
    missing = _refusal(codes.patient)
    assert "the practice tax ID 00-1234567 is not a valid EIN" in missing
    assert "the practice NPI 1000000021 fails its check digit" in missing


def test_a_diagnosis_that_is_not_a_billable_icd10_code_blocks_issuing(approved_session, codes):
    approved_session(datetime.date(2026, 10, 5))
    # F42 exists but is a category; F42.0 does not exist in the US code set.
    Diagnosis.objects.filter(patient=codes.patient).update(code="F42")
    Diagnosis.objects.create(patient=codes.patient, code="F42.0", rank=2)
    missing = _refusal(codes.patient)
    assert "diagnosis F42 is not a billable ICD-10-CM code" in missing
    assert "diagnosis F42.0 is not a billable ICD-10-CM code" in missing


def test_a_patient_without_insurance_details_or_address_is_refused(approved_session, codes):
    approved_session(datetime.date(2026, 10, 5))
    type(codes.patient).objects.filter(pk=codes.patient.pk).update(
        insurance_payer="", insurance_member_id="", address_line1=""
    )
    missing = _refusal(codes.patient)
    assert {
        "no insurance payer for Erin Patient",
        "no insurance member ID for Erin Patient",
        "no address for Erin Patient",
    } <= set(missing)


def test_nothing_to_bill_is_a_refusal_too(codes):
    assert _refusal(codes.patient) == ["no approved, unbilled charges in this period"]
