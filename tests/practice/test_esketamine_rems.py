"""Esketamine (SPRAVATO) under its REMS, at the service layer.

1. The dose: the label's 56 mg (2 devices) or 84 mg (3 devices), nothing else, no
   override; drawn from a lot of the nasal spray device and from nothing else, and the
   device never serves a ketamine route. The pre-dose blood pressure gate applies as ever.
2. Discharge: not before two hours, and not without the blood pressure at about 40 minutes
   and again before discharge, sedation and dissociation assessed and the clinician's
   judgement; every missing item listed in the one refusal, which changes nothing.
3. The clinic's settings: the observation after esketamine never under 120 minutes; the
   ~40-minute window must hold 40 minutes.
4. Plans on the esketamine route carry a dose in mg (56 or 84), the label's induction.
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from controlled.models import LedgerEntry
from practice import services
from practice.errors import DischargeRefused, DosingGateRefused, InvalidInput
from practice.models import ClinicalSettings, DosingRecord, TreatmentPlan
from tests.practice.clinical import (
    cleared_with_plan,
    device_lot,
    dose,
    dosing_session,
    esketamine_dose,
    esketamine_plan,
    rems_assessed,
    rems_discharge,
    rems_readings,
    row_counts,
    screen,
    stock_lot,
)

pytestmark = pytest.mark.django_db


def refused(people, session, **kwargs) -> DosingGateRefused:
    """The gate's one refusal of an esketamine dose, having changed nothing."""
    if "lot" not in kwargs:
        kwargs["lot"] = device_lot(people)
    before = row_counts()
    with pytest.raises(DosingGateRefused) as caught:
        esketamine_dose(people, session, **kwargs)
    assert row_counts() == before
    return caught.value


# 1. The dose -------------------------------------------------------------------------------


@pytest.mark.parametrize("mg", ["60", "28", "112", "55.99"])
def test_an_esketamine_dose_other_than_56_or_84_mg_is_refused(people, mg):
    session = dosing_session(people, esketamine_plan(people))
    error = refused(people, session, dose_mg=Decimal(mg))
    assert error.extra["reasons"] == ["esketamine_dose"]
    assert error.extra["overridable"] == []
    assert (
        f"{Decimal(mg).normalize():f} mg is not an esketamine dose: the label gives "
        "56 mg (2 devices) or 84 mg (3 devices) per session" in error.message
    )
    assert error.extra["fields"]["dose_mg"]


def test_no_override_answers_an_esketamine_dose_off_the_label(people):
    session = dosing_session(people, esketamine_plan(people))
    error = refused(
        people,
        session,
        dose_mg=Decimal("60"),
        dose_override=True,
        dose_override_reason="Between the two doses.",
    )
    assert error.extra["reasons"] == ["esketamine_dose"]


@pytest.mark.parametrize(("mg", "devices"), [("56", 2), ("84", 3)])
def test_56_and_84_mg_are_drawn_from_the_device_lot_as_whole_devices(people, mg, devices):
    session = dosing_session(people, esketamine_plan(people))
    lot = device_lot(people)
    record = esketamine_dose(people, session, dose_mg=Decimal(mg), lot=lot)
    assert (record.route, record.dose_mg, record.lot_number) == (
        "esketamine_nasal",
        Decimal(mg),
        lot.lot_number,
    )
    entry = LedgerEntry.objects.get(dosing_record=record)
    assert (entry.kind, entry.quantity_mg) == ("administration", -Decimal(mg))
    assert entry.units == -devices
    assert entry.lot.product.unit_label == "device"


def test_the_esketamine_dose_is_not_held_to_the_weight(people):
    # The dose is fixed: a weight far from the screening's needs no re-check.
    session = dosing_session(people, esketamine_plan(people))
    record = esketamine_dose(people, session, weight_kg=Decimal("40.0"))
    assert not record.weight_confirmed


def test_a_ketamine_vial_lot_is_refused_for_esketamine(people):
    session = dosing_session(people, esketamine_plan(people))
    vial = stock_lot(people)
    error = refused(people, session, lot=vial)
    assert error.extra["reasons"] == ["formulation"]
    assert (
        f"Lot {vial.lot_number} is {vial.product.name} (vial (injectable solution)), not a "
        "formulation for the Esketamine nasal spray (Spravato) route" in error.message
    )


def test_the_esketamine_device_lot_is_refused_for_im_ketamine(people):
    session = dosing_session(people, cleared_with_plan(people))  # IM plan
    lot = device_lot(people)
    before = row_counts()
    with pytest.raises(DosingGateRefused) as caught:
        dose(people, session, lot=lot)  # 35 mg IM
    assert row_counts() == before
    assert caught.value.extra["reasons"] == ["formulation"]
    assert "not a formulation for the Intramuscular (IM) route" in caught.value.message


def test_esketamine_on_a_ketamine_plan_is_refused_as_another_route(people):
    session = dosing_session(people, cleared_with_plan(people))
    error = refused(people, session, route="esketamine_nasal")
    assert error.extra["reasons"] == ["route"]
    assert "the plan's route is Intramuscular (IM)" in error.message


def test_the_pre_dose_blood_pressure_gate_holds_for_esketamine(people):
    session = dosing_session(people, esketamine_plan(people))
    error = refused(people, session, predose_systolic=165, predose_diastolic=95)
    assert error.extra["reasons"] == ["blood_pressure"]
    assert "Pre-dose blood pressure 165/95 is at or above the clinic's limit" in error.message


# 2. Discharge ----------------------------------------------------------------------------


def monitored(people):
    """An esketamine dose with the ~40-minute and pre-discharge readings, sedation and
    dissociation assessed: everything but the two hours and the discharge itself."""
    record = esketamine_dose(people, dosing_session(people, esketamine_plan(people)))
    rems_readings(people, record)
    rems_assessed(people, record)
    return record


def test_discharge_at_1_hour_59_minutes_is_refused(people):
    record = monitored(people)
    with pytest.raises(DischargeRefused) as caught:
        rems_discharge(people, record, minutes=119)
    assert caught.value.extra["reasons"] == ["observation"]
    assert "Observe at least 120 minutes after a dose by the Esketamine nasal spray" in (
        caught.value.message
    )
    record.refresh_from_db()
    assert record.discharged_at is None and not record.discharge_ready_per_clinical_judgement


def test_discharge_at_2_hours_with_the_rems_items_is_accepted_and_says_who_and_why(people):
    record = monitored(people)
    record = rems_discharge(people, record, minutes=120, ready_after_minutes=75)
    assert record.discharged_at == record.administered_at + datetime.timedelta(minutes=120)
    assert record.discharged_by == people.medical
    assert record.discharge_ready_per_clinical_judgement
    assert record.ready_after_minutes == 75
    assert (record.sedation, record.dissociation_score) == ("mild", 3)
    updated = LogEntry.objects.get_for_object(record).filter(action=LogEntry.Action.UPDATE)
    assert any("discharge_ready_per_clinical_judgement" in e.changes_dict for e in updated)


def test_a_missing_40_minute_reading_is_listed_with_every_other_missing_item(people):
    record = esketamine_dose(people, dosing_session(people, esketamine_plan(people)))
    rems_readings(people, record, at_minutes=(115,))  # none at about 40 minutes
    before = row_counts()
    with pytest.raises(DischargeRefused) as caught:
        rems_discharge(people, record, ready_per_clinical_judgement=False)
    assert caught.value.extra["reasons"] == [
        "bp_40_minutes",
        "sedation",
        "dissociation",
        "clinical_judgement",
    ]
    message = caught.value.message
    local = record.administered_at.astimezone(people.clinic.zone)
    window = (
        f"(between 30 and 50 minutes: {local + datetime.timedelta(minutes=30):%H:%M}–"
        f"{local + datetime.timedelta(minutes=50):%H:%M})"
    )
    assert f"Record the blood pressure about 40 minutes after the esketamine dose {window}" in (
        message
    )
    assert "Assess the sedation" in message and "Rate the dissociation" in message
    assert "clinically stable and ready to leave" in message
    assert caught.value.extra["fields"] == {
        "sedation": ["Assess the sedation (none, mild, moderate or severe) on the record."],
        "dissociation_score": ["Rate the dissociation (0–10) on the record."],
        "ready_per_clinical_judgement": [
            "Confirm the patient is clinically stable and ready to leave, in your clinical "
            "judgement."
        ],
    }
    assert row_counts() == before
    record.refresh_from_db()
    assert record.discharged_at is None


def test_the_40_minute_reading_does_not_stand_for_the_one_before_discharge(people):
    record = esketamine_dose(people, dosing_session(people, esketamine_plan(people)))
    rems_readings(people, record, at_minutes=(40,))
    rems_assessed(people, record)
    with pytest.raises(DischargeRefused) as caught:
        rems_discharge(people, record)
    assert caught.value.extra["reasons"] == ["bp_before_discharge"]


@pytest.mark.parametrize("minutes", [29, 51])
def test_a_reading_outside_30_to_50_minutes_is_not_the_40_minute_one(people, minutes):
    record = esketamine_dose(people, dosing_session(people, esketamine_plan(people)))
    rems_readings(people, record, at_minutes=(minutes, 115))
    rems_assessed(people, record)
    with pytest.raises(DischargeRefused) as caught:
        rems_discharge(people, record)
    assert caught.value.extra["reasons"] == ["bp_40_minutes"]


def test_the_clinic_sets_the_40_minute_window(people):
    services.clinical_settings_update(
        clinic=people.clinic,
        by=people.admin,
        esketamine_bp_check_from_minutes=25,
        esketamine_bp_check_until_minutes=60,
    )
    record = esketamine_dose(people, dosing_session(people, esketamine_plan(people)))
    rems_readings(people, record, at_minutes=(58, 115))  # outside 30–50, inside 25–60
    rems_assessed(people, record)
    assert rems_discharge(people, record).discharged_at is not None


def test_an_invalid_sedation_is_refused_and_changes_nothing(people):
    record = esketamine_dose(people, dosing_session(people, esketamine_plan(people)))
    with pytest.raises(InvalidInput) as caught:
        services.dosing_observations_update(
            record=record, by=people.medical, sedation="drowsy", dissociation_score=4
        )
    assert caught.value.extra["fields"] == {"sedation": ["Choose none, mild, moderate or severe."]}
    record.refresh_from_db()
    assert (record.sedation, record.dissociation_score) == ("", None)


def test_a_ketamine_discharge_needs_none_of_the_rems_items(people):
    record = dose(people, dosing_session(people))
    with time_machine.travel(record.administered_at + datetime.timedelta(minutes=61)):
        rems_readings(people, record, at_minutes=(61,))
        record = services.dosing_discharge(
            record=record, by=people.medical, alert_and_oriented=True, escort_present=True
        )
    assert record.discharged_at is not None and not record.discharge_ready_per_clinical_judgement


# 3. Settings -----------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [119, 60, 0])
def test_the_observation_after_esketamine_cannot_be_set_below_120_minutes(people, minutes):
    with pytest.raises(ValidationError) as caught:
        services.clinical_settings_update(
            clinic=people.clinic, by=people.admin, esketamine_observe_minutes=minutes
        )
    assert caught.value.message_dict["esketamine_observe_minutes"] == [
        "At least 120: the SPRAVATO REMS requires monitoring for at least two hours after "
        "each esketamine dose."
    ]
    assert not ClinicalSettings.objects.exists()


def test_the_model_refuses_it_too_and_never_reads_less_than_two_hours(people):
    settings = ClinicalSettings(clinic=people.clinic, esketamine_observe_minutes=90)
    with pytest.raises(ValidationError) as caught:
        settings.full_clean()
    assert "esketamine_observe_minutes" in caught.value.message_dict
    assert settings.observe_minutes("esketamine_nasal") == 120
    assert ClinicalSettings(clinic=people.clinic).observe_minutes("esketamine_nasal") == 120


def test_a_clinic_may_observe_longer_than_two_hours(people):
    services.clinical_settings_update(
        clinic=people.clinic, by=people.admin, esketamine_observe_minutes=150
    )
    record = monitored(people)
    with pytest.raises(DischargeRefused, match="Observe at least 150 minutes"):
        rems_discharge(people, record, minutes=120)
    assert rems_discharge(people, record, minutes=150).discharged_at is not None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"esketamine_bp_check_from_minutes": 45}, "esketamine_bp_check_from_minutes", "15 to 40"),
        (
            {"esketamine_bp_check_until_minutes": 35},
            "esketamine_bp_check_until_minutes",
            "40 to 90",
        ),
        (
            {"esketamine_bp_check_from_minutes": 40, "esketamine_bp_check_until_minutes": 40},
            "esketamine_bp_check_from_minutes",
            "before the end of the window (40 minutes)",
        ),
    ],
)
def test_the_40_minute_window_must_hold_40_minutes(people, changes, field, message):
    with pytest.raises(ValidationError) as caught:
        services.clinical_settings_update(clinic=people.clinic, by=people.admin, **changes)
    assert message in " ".join(caught.value.message_dict[field])
    assert not ClinicalSettings.objects.exists()


# 4. Plans --------------------------------------------------------------------------------


def test_an_esketamine_plan_starts_at_56_mg_with_the_labels_induction(people):
    screen(people)
    plan = services.plan_create(
        patient=people.patient,
        by=people.medical,
        route="esketamine_nasal",
        starting_dose_mg=Decimal("56"),
    )
    assert (plan.starting_dose_mg, plan.starting_dose_mg_per_kg) == (Decimal("56"), None)
    assert (plan.induction_target_sessions, plan.induction_weeks) == (8, 4)
    assert plan.starting_dose_display == "56 mg"
    plan = services.plan_activate(plan=plan, by=people.medical)
    record = esketamine_dose(people, dosing_session(people, plan))
    assert record.session.plan == plan


@pytest.mark.parametrize(
    ("route", "dose", "field"),
    [
        ("esketamine_nasal", {"starting_dose_mg": Decimal("60")}, "starting_dose_mg"),
        ("esketamine_nasal", {"starting_dose_mg_per_kg": Decimal("0.8")}, "starting_dose_mg"),
        ("im", {"starting_dose_mg": Decimal("56")}, "starting_dose_mg_per_kg"),
    ],
)
def test_a_plan_whose_starting_dose_does_not_fit_its_route_is_refused(people, route, dose, field):
    screen(people)
    with pytest.raises(ValidationError) as caught:
        services.plan_create(patient=people.patient, by=people.medical, route=route, **dose)
    assert field in caught.value.message_dict
    assert not TreatmentPlan.objects.exists()


def test_the_database_keeps_esketamine_to_the_labels_doses(people):
    from django.db import IntegrityError, transaction

    record = esketamine_dose(people, dosing_session(people, esketamine_plan(people)))
    with pytest.raises(IntegrityError), transaction.atomic():
        DosingRecord.objects.filter(pk=record.pk).update(dose_mg=Decimal("60"))
