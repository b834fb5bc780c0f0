"""One test per validation rule on the foundation models, with the message a person sees."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from practice.models import Clinic, Diagnosis, Patient, StaffMember
from practice.validators import (
    icd10_description,
    validate_ein,
    validate_icd10cm,
    validate_not_future,
    validate_npi,
    validate_place_of_service,
    validate_timezone,
)
from tests.factories import ClinicFactory, PatientFactory, StaffFactory


def messages_of(excinfo, field=None):
    error = excinfo.value
    if field is None:
        return " ".join(error.messages)
    return " ".join(error.message_dict[field])


# NPI ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("npi", ["1234567893", "1000000020"])
def test_a_valid_npi_is_accepted_including_one_whose_check_digit_is_0(npi):
    validate_npi(npi)


def test_an_npi_with_a_wrong_check_digit_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        validate_npi("1234567890")
    assert "fails its check digit" in messages_of(excinfo)
    assert excinfo.value.code == "npi_check_digit"


@pytest.mark.parametrize("npi", ["123456789", "12345678931", "3234567893", "12345A7893", ""])
def test_an_npi_that_is_not_ten_digits_starting_with_1_or_2_is_refused(npi):
    with pytest.raises(ValidationError) as excinfo:
        validate_npi(npi)
    assert "10 digits and starts with 1 or 2" in messages_of(excinfo)


@pytest.mark.django_db
def test_a_staff_member_with_a_bad_npi_does_not_pass_full_clean():
    staff = StaffFactory.build(npi="1234567890")
    staff.clinic = ClinicFactory()
    with pytest.raises(ValidationError) as excinfo:
        staff.full_clean(exclude=["user"])
    assert "check digit" in messages_of(excinfo, "npi")


# EIN ---------------------------------------------------------------------------------------


def test_a_valid_ein_is_accepted():
    validate_ein("84-1234567")


@pytest.mark.parametrize("ein", ["00-1234567", "84-123456", "841234567X", "not an ein"])
def test_an_invalid_ein_is_refused(ein):
    with pytest.raises(ValidationError) as excinfo:
        validate_ein(ein)
    assert "valid EIN" in messages_of(excinfo)


# Phone -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_phone_number_that_cannot_exist_is_refused():
    patient = PatientFactory.build(clinic=ClinicFactory(), phone="+1555")
    with pytest.raises(ValidationError) as excinfo:
        patient.full_clean()
    assert "phone number entered is not valid" in messages_of(excinfo, "phone")


@pytest.mark.django_db
def test_a_valid_us_phone_number_is_accepted_and_stored_in_e164():
    patient = PatientFactory(phone="+1 303 555 0142")
    patient.full_clean()
    patient.refresh_from_db()
    assert str(patient.phone) == "+13035550142"


@pytest.mark.django_db
def test_a_us_phone_number_may_be_typed_without_the_country_code():
    # Clinic staff type "(303) 555-0142"; PHONENUMBER_DEFAULT_REGION makes it +1.
    patient = PatientFactory.build(clinic=ClinicFactory(), phone="(303) 555-0142")
    patient.full_clean()
    assert patient.phone.as_e164 == "+13035550142"


# ICD-10-CM ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "description"),
    [
        ("F41.1", "Generalized anxiety disorder"),
        ("F40.10", "Social phobia, unspecified"),
        ("F43.10", "Post-traumatic stress disorder, unspecified"),
    ],
)
def test_a_billable_icd10cm_code_is_accepted_with_its_official_description(code, description):
    validate_icd10cm(code)
    assert icd10_description(code) == description


def test_an_icd10cm_category_is_refused_as_not_billable():
    with pytest.raises(ValidationError) as excinfo:
        validate_icd10cm("F42")
    assert "F42 is a category, not a billable code" in messages_of(excinfo)
    assert excinfo.value.code == "icd10_not_billable"


def test_a_code_that_is_not_in_the_us_set_is_refused():
    # F42.0 exists in the WHO ICD-10 but not in ICD-10-CM.
    with pytest.raises(ValidationError) as excinfo:
        validate_icd10cm("F42.0")
    assert "F42.0 is not an ICD-10-CM code in the US code set" in messages_of(excinfo)
    assert excinfo.value.code == "icd10_unknown"


@pytest.mark.django_db
def test_a_diagnosis_with_an_unknown_code_does_not_pass_full_clean():
    diagnosis = Diagnosis(patient=PatientFactory(), code="F42.0", rank=1)
    with pytest.raises(ValidationError) as excinfo:
        diagnosis.full_clean()
    assert "not an ICD-10-CM code" in messages_of(excinfo, "code")


# Date of birth -----------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC), tick=False)
def test_a_date_of_birth_in_the_future_is_refused():
    validate_not_future(datetime.date(2026, 3, 1))  # today is fine (a newborn)
    with pytest.raises(ValidationError) as excinfo:
        validate_not_future(datetime.date(2026, 3, 2))
    assert "cannot be in the future" in messages_of(excinfo)


@pytest.mark.django_db
def test_a_patient_born_tomorrow_does_not_pass_full_clean():
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    patient = PatientFactory.build(clinic=ClinicFactory(), date_of_birth=tomorrow)
    with pytest.raises(ValidationError) as excinfo:
        patient.full_clean()
    assert "cannot be in the future" in messages_of(excinfo, "date_of_birth")


# Clinic settings ---------------------------------------------------------------------------


def test_a_known_iana_timezone_is_accepted():
    validate_timezone("America/Denver")


@pytest.mark.parametrize("tz", ["Mountain Time", "America/Boulder", ""])
def test_an_unknown_timezone_is_refused(tz):
    with pytest.raises(ValidationError) as excinfo:
        validate_timezone(tz)
    assert "not a known time zone" in messages_of(excinfo)


@pytest.mark.parametrize("pos", ["11", "02", "10"])
def test_a_two_digit_place_of_service_is_accepted(pos):
    validate_place_of_service(pos)


@pytest.mark.parametrize("pos", ["1", "111", "OF", ""])
def test_a_place_of_service_that_is_not_two_digits_is_refused(pos):
    with pytest.raises(ValidationError) as excinfo:
        validate_place_of_service(pos)
    assert "two digits" in messages_of(excinfo)


@pytest.mark.django_db
def test_a_clinic_reports_every_bad_identifier_at_once():
    clinic = Clinic(
        name="Bad Data Clinic",
        timezone="Mars/Olympus",
        npi="1234567890",
        tax_id="00-0000000",
        place_of_service="1",
        phone="+1555",
    )
    with pytest.raises(ValidationError) as excinfo:
        clinic.full_clean()
    assert set(excinfo.value.message_dict) == {
        "timezone",
        "npi",
        "tax_id",
        "place_of_service",
        "phone",
    }
    assert Clinic.objects.count() == 0


def test_foundation_models_keep_their_validators_declared():
    # Guards against a migration or refactor silently dropping a validator.
    assert validate_npi in Clinic._meta.get_field("npi").validators
    assert validate_npi in StaffMember._meta.get_field("npi").validators
    assert validate_not_future in Patient._meta.get_field("date_of_birth").validators
    assert validate_icd10cm in Diagnosis._meta.get_field("code").validators
