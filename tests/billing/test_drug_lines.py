"""The drug of a J-code line: the NDC of the lot drawn for the dose, its quantity and unit,
carried to the charge and required on a superbill."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.errors import SuperbillIncomplete
from billing.models import Superbill
from billing.services.charges import charge_approve, charges_suggest_for_session
from billing.services.superbills import superbill_issue
from controlled.models import Product
from controlled.validators import ndc_11, ndc_542
from tests.billing.conftest import DENVER
from tests.factories import completed_session, dose_from_stock

OCT = {"period_start": datetime.date(2026, 10, 1), "period_end": datetime.date(2026, 10, 31)}


@pytest.mark.parametrize(
    ("written", "eleven"),
    [
        ("42023-0113-10", "42023011310"),  # 5-4-2 already
        ("0409-2051-05", "00409205105"),  # 4-4-2: the labeler code is padded
        ("50458-028-02", "50458002802"),  # 5-3-2: the product code is padded
        ("12345-6789-1", "12345678901"),  # 5-4-1: the package code is padded
        ("42023011310", "42023011310"),  # 11 digits without hyphens
    ],
)
def test_an_ndc_in_any_labelled_shape_becomes_its_eleven_digit_billing_form(written, eleven):
    assert ndc_11(written) == eleven
    assert ndc_542(written) == f"{eleven[:5]}-{eleven[5:9]}-{eleven[9:]}"


@pytest.mark.parametrize(
    "bad", ["4202301131", "42023-113-1", "42023-0113-100", "4202A-0113-10", "NDC", "1-2-3"]
)
def test_an_ndc_of_another_shape_is_refused_rather_than_guessed(bad):
    with pytest.raises(ValidationError, match="is not an NDC"):
        ndc_11(bad)


@pytest.mark.django_db
def test_a_product_with_a_malformed_ndc_does_not_validate(people):
    product = Product(
        clinic=people.clinic,
        substance="Ketamine hydrochloride",
        name="Ketamine 50 mg/mL",
        form="vial",
        strength_mg=50,
        units_per_container=10,
        ndc="4202301131",
    )
    with pytest.raises(ValidationError) as error:
        product.full_clean()
    assert "ndc" in error.value.message_dict


def _dosing_session(codes, day=datetime.date(2026, 10, 19)):
    starts_at = datetime.datetime.combine(day, datetime.time(10, 0), DENVER)
    return completed_session(
        patient=codes.patient,
        clinician=codes.medical,
        starts_at=starts_at,
        minutes=120,
        kind="dosing",
    )


@pytest.mark.django_db
def test_the_drug_line_carries_the_ndc_quantity_and_dose_of_the_lot_drawn(codes):
    session = _dosing_session(codes)
    dose_from_stock(session, by=codes.medical, mg="42.5")
    lines = {c.code: c for c in charges_suggest_for_session(session=session)}

    drug = lines["J3490"]
    assert (drug.ndc, drug.drug_unit, drug.drug_quantity, drug.drug_dose_mg) == (
        "42023011310",
        "ML",
        Decimal("0.85"),  # 42.5 mg of a 50 mg/mL solution
        Decimal("42.5"),
    )
    assert drug.ndc_line == "N442023011310 ML0.85"
    # Only the drug's own line carries it: the injection and monitoring lines don't.
    assert all(not c.ndc for code, c in lines.items() if code != "J3490")


@pytest.mark.django_db
def test_a_superbill_with_a_drug_line_without_its_ndc_is_refused_and_nothing_is_issued(codes):
    session = _dosing_session(codes)  # completed, but no dose drawn through the ledger
    for charge in charges_suggest_for_session(session=session):
        charge_approve(charge=charge, approved_by=codes.admin)

    with pytest.raises(SuperbillIncomplete) as refused:
        superbill_issue(patient=codes.patient, issued_by=codes.admin, **OCT)

    assert "J3490 on 10/19/2026 has no NDC and quantity" in str(refused.value)
    assert not Superbill.objects.exists()


@pytest.mark.django_db
def test_an_admin_types_a_drug_line_by_hand_and_a_bad_ndc_is_a_400_that_changes_nothing(
    codes, api_as
):
    session = _dosing_session(codes)  # no dose drawn through the ledger: the line is blank
    drug = next(c for c in charges_suggest_for_session(session=session) if c.code == "J3490")
    api = api_as(codes.admin)
    url = f"/api/v1/charges/{drug.pk}/"

    refused = api.patch(url, {"ndc": "4202301131"}, format="json")
    assert refused.status_code == 400
    assert "ndc" in refused.json()["fields"]
    drug.refresh_from_db()
    assert drug.ndc == ""

    answer = api.patch(
        url,
        {"ndc": "0409-2051-05", "drug_quantity": "0.7", "drug_unit": "ML", "drug_dose_mg": "35"},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["ndc"] == "00409205105"
    drug.refresh_from_db()
    assert drug.ndc_line == "N400409205105 ML0.7"

    # An NDC without its quantity breaks the rule the database keeps too.
    half = api.patch(url, {"drug_quantity": None, "drug_unit": ""}, format="json")
    assert half.status_code == 400
    drug.refresh_from_db()
    assert drug.drug_quantity == Decimal("0.7")
