"""Charges are suggested from completed sessions by kind and actual duration, reviewed by an
admin, priced with sliding scales and packages."""

import datetime
from decimal import Decimal

import pytest

from billing.errors import AddOnWithoutEM, ChargeLocked, InvalidCharge
from billing.models import Charge, Package
from billing.selectors import sessions_awaiting_charges
from billing.services.catalogue import sliding_scale_set
from billing.services.charges import (
    charge_approve,
    charge_create,
    charge_void,
    charges_suggest_for_session,
    charges_suggest_pending,
)
from practice.choices import Route
from tests.billing.conftest import DENVER
from tests.factories import DosingRecordFactory, completed_session

DAY = datetime.date(2026, 10, 5)


def _session(people, minutes, kind="integration", day=DAY, **kw):
    starts_at = datetime.datetime.combine(day, datetime.time(10, 0), DENVER)
    return completed_session(
        patient=people.patient,
        clinician=kw.pop("clinician", people.therapist),
        starts_at=starts_at,
        minutes=minutes,
        kind=kind,
    )


@pytest.mark.parametrize(
    ("minutes", "code"),
    [(16, "90832"), (37, "90832"), (38, "90834"), (52, "90834"), (53, "90837"), (55, "90837")],
)
def test_integration_sessions_are_coded_by_their_duration_band(codes, minutes, code):
    session = _session(codes, minutes)
    (charge,) = charges_suggest_for_session(session=session)
    assert (charge.code, charge.units, charge.status) == (code, 1, "suggested")
    assert charge.rendering_provider == codes.therapist
    assert charge.date_of_service == DAY
    assert charge.place_of_service == "11"
    assert charge.diagnosis_pointers == [1]


def test_the_actual_duration_counts_not_the_booked_one(codes):
    # Booked for 60 minutes, but checked in 10:00 and completed at 10:50 → 50 min → 90834.
    session = _session(codes, 60)
    session.completed_at = session.checked_in_at + datetime.timedelta(minutes=50)
    session.save()
    (charge,) = charges_suggest_for_session(session=session)
    assert charge.code == "90834"


def test_under_16_minutes_of_psychotherapy_is_not_suggested_and_stays_in_the_queue(codes):
    session = _session(codes, 15)
    assert charges_suggest_for_session(session=session) == []
    assert list(sessions_awaiting_charges(clinic_id=codes.clinic.pk)) == [session]


def test_a_first_preparation_session_is_a_diagnostic_evaluation(codes):
    first = _session(codes, 60, kind="preparation")
    later = _session(codes, 45, kind="preparation", day=DAY + datetime.timedelta(days=7))
    assert [c.code for c in charges_suggest_for_session(session=first)] == ["90791"]
    assert [c.code for c in charges_suggest_for_session(session=later)] == ["90834"]


def test_an_im_dosing_session_bills_injection_drug_and_hourly_monitoring(codes):
    session = _session(codes, 120, kind="dosing", clinician=codes.medical)
    DosingRecordFactory(session=session, route=Route.INTRAMUSCULAR, administered_by=codes.medical)
    charges = charges_suggest_for_session(session=session)
    assert [(c.code, c.units) for c in charges] == [("96372", 1), ("J3490", 1), ("0820T", 2)]
    assert all(c.rendering_provider == codes.medical for c in charges)


def test_hourly_monitoring_counts_an_hour_once_past_its_midpoint(codes):
    session = _session(codes, 90, kind="dosing", clinician=codes.medical)
    assert [(c.code, c.units) for c in charges_suggest_for_session(session=session)][-1] == (
        "0820T",
        1,
    )


def test_intranasal_ketamine_bills_the_drug_and_monitoring_never_the_esketamine_codes(codes):
    # 84 mg of ketamine by atomiser is not esketamine: G2082/G2083 follow only from an
    # esketamine dose (tests/billing/test_esketamine_codes.py).
    session = _session(codes, 120, kind="dosing", clinician=codes.medical)
    DosingRecordFactory(
        session=session,
        route=Route.INTRANASAL,
        dose_mg=Decimal("84"),
        administered_by=codes.medical,
    )
    charges = charges_suggest_for_session(session=session)
    assert [(c.code, c.units) for c in charges] == [("J3490", 1), ("0820T", 2)]


def test_suggesting_twice_adds_nothing(codes):
    session = _session(codes, 55)
    assert charges_suggest_pending(clinic_id=codes.clinic.pk) == 1
    assert charges_suggest_pending(clinic_id=codes.clinic.pk) == 0
    assert charges_suggest_for_session(session=session) == []
    assert Charge.objects.filter(session=session).count() == 1


def test_a_session_not_completed_gets_no_charges(codes):
    session = _session(codes, 55)
    session.status = "scheduled"
    session.save()
    with pytest.raises(InvalidCharge, match="only for completed sessions"):
        charges_suggest_for_session(session=session)
    assert not Charge.objects.exists()


def test_the_sliding_scale_discounts_the_standard_fee(codes):
    sliding_scale_set(patient=codes.patient, percent=Decimal("30"), reason="Income")
    (charge,) = charges_suggest_for_session(session=_session(codes, 55))
    assert (charge.unit_fee, charge.discount, charge.amount) == (
        Decimal("210.00"),
        Decimal("63.00"),
        Decimal("147.00"),
    )


def test_a_prepaid_package_spreads_its_price_over_its_sessions_to_the_cent(codes):
    package = Package.objects.create(
        clinic=codes.clinic,
        patient=codes.patient,
        kind="prepaid",
        name="Induction course",
        price=Decimal("1000.00"),
        sessions_included=3,
        session_kind="integration",
    )
    shares = []
    for week in range(4):
        session = _session(codes, 55, day=DAY + datetime.timedelta(days=7 * week))
        (charge,) = charges_suggest_for_session(session=session)
        shares.append((charge.package_id, charge.amount, charge.note))
    assert shares[:3] == [
        (package.pk, Decimal("333.33"), "Induction course: session 1 of 3"),
        (package.pk, Decimal("333.33"), "Induction course: session 2 of 3"),
        (package.pk, Decimal("333.34"), "Induction course: session 3 of 3"),
    ]
    # The fourth session is beyond the package: the standard fee again.
    assert shares[3] == (None, Decimal("210.00"), "")


def test_a_psychotherapy_add_on_needs_an_em_visit_the_same_day(codes):
    kwargs = {
        "patient": codes.patient,
        "date_of_service": DAY,
        "rendering_provider": codes.medical,
        "diagnosis_pointers": [1],
        "approved_by": codes.admin,
    }
    with pytest.raises(AddOnWithoutEM, match="only with an E/M code 99212–99215"):
        charge_create(code="90833", **kwargs)
    assert not Charge.objects.exists()
    charge_create(code="99213", modifiers=["25"], **kwargs)
    assert charge_create(code="90833", **kwargs).code == "90833"


def test_an_approved_charge_cannot_be_approved_again_and_a_void_one_is_locked(codes):
    (charge,) = charges_suggest_for_session(session=_session(codes, 55))
    charge_approve(charge=charge, approved_by=codes.admin)
    with pytest.raises(ChargeLocked, match="Only a suggested charge"):
        charge_approve(charge=charge, approved_by=codes.admin)
    charge_void(charge=charge, reason="Duplicate")
    with pytest.raises(ChargeLocked, match="void"):
        charge_void(charge=charge, reason="Again")


def test_approving_needs_a_diagnosis_pointer(codes):
    codes.patient.diagnoses.all().delete()
    (charge,) = charges_suggest_for_session(session=_session(codes, 55))
    assert charge.diagnosis_pointers == []
    with pytest.raises(InvalidCharge, match="at least one of the patient's diagnoses"):
        charge_approve(charge=charge, approved_by=codes.admin)
    charge.refresh_from_db()
    assert charge.status == "suggested"
