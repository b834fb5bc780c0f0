"""The pre-dose gate refuses, for each reason, with a clear message and changes nothing."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from practice import services
from practice.errors import (
    DischargeRefused,
    DosingGateRefused,
    DosingNotAllowed,
    DosingRecordRefused,
    SessionTransitionRefused,
)
from practice.models import ClinicalSettings, DosingRecord, SafetyAlert, Screening
from tests.factories import clinic_today
from tests.practice.clinical import (
    GOOD_GATE,
    cleared_with_plan,
    discharge,
    dose,
    dosing_session,
    observed,
)

pytestmark = pytest.mark.django_db


def assert_refused(people, session, match, **overrides):
    with pytest.raises(DosingGateRefused, match=match) as caught:
        dose(people, session, **overrides)
    assert not DosingRecord.objects.exists()
    session.refresh_from_db()
    assert session.status == "checked_in"
    return caught.value


def test_a_dose_is_recorded_when_every_check_passes(people):
    session = dosing_session(people)
    record = dose(people, session, dose_mg=Decimal("40"), weight_kg=Decimal("70.0"))
    assert record.dose_mg_per_kg == Decimal("0.571")
    assert record.route == session.plan.route
    assert record.administered_by == people.medical
    assert record.escort_confirmed and record.fasting_confirmed


def test_dosing_is_refused_without_escort(people):
    error = assert_refused(
        people, dosing_session(people), "Confirm the escort", escort_confirmed=False
    )
    assert error.extra["reasons"] == ["escort"]


def test_dosing_is_refused_without_fasting(people):
    error = assert_refused(
        people, dosing_session(people), "fasted for 4 hours", fasting_confirmed=False
    )
    assert error.extra["reasons"] == ["fasting"]


@pytest.mark.parametrize(("systolic", "diastolic"), [(160, 90), (150, 100), (175, 105)])
def test_dosing_is_refused_at_the_blood_pressure_threshold(people, systolic, diastolic):
    assert_refused(
        people,
        dosing_session(people),
        rf"{systolic}/{diastolic} is at or above the clinic's limit \(160/100\)",
        predose_systolic=systolic,
        predose_diastolic=diastolic,
    )


def test_just_under_the_threshold_is_allowed(people):
    session = dosing_session(people)
    assert dose(people, session, predose_systolic=159, predose_diastolic=99)


def test_the_clinic_can_lower_the_threshold(people):
    ClinicalSettings.objects.create(
        clinic=people.clinic, predose_systolic_refuse_at=140, predose_diastolic_refuse_at=90
    )
    assert_refused(
        people, dosing_session(people), r"\(140/90\)", predose_systolic=145, predose_diastolic=80
    )


def test_dosing_is_refused_without_a_pre_dose_blood_pressure(people):
    assert_refused(
        people, dosing_session(people), "Take the pre-dose blood pressure", predose_systolic=None
    )


def test_dosing_is_refused_when_the_screening_has_expired_since_booking(people):
    session = dosing_session(people)
    today = clinic_today(people.clinic)
    Screening.objects.update(
        screened_on=today - datetime.timedelta(days=400),
        expires_on=today - datetime.timedelta(days=1),
    )
    error = assert_refused(people, session, "no cleared, unexpired screening")
    assert error.extra["reasons"] == ["screening"]


def test_dosing_is_refused_when_the_plan_is_no_longer_active(people):
    session = dosing_session(people)
    services.plan_discontinue(plan=session.plan, by=people.medical, reason="Patient moved away")
    error = assert_refused(people, session, "plan is not active")
    assert error.extra["reasons"] == ["plan"]


def test_every_failed_check_is_listed_at_once(people):
    error = assert_refused(
        people,
        dosing_session(people),
        "Dosing refused",
        escort_confirmed=False,
        fasting_confirmed=False,
        predose_systolic=170,
    )
    assert error.extra["reasons"] == ["escort", "fasting", "blood_pressure"]


def test_a_therapist_cannot_record_a_dose(people):
    session = dosing_session(people)
    with pytest.raises(DosingNotAllowed, match="Only medical staff"):
        services.dosing_record_create(
            session=session,
            by=people.therapist,
            dose_mg=Decimal("35"),
            weight_kg=Decimal("70"),
            **GOOD_GATE,
        )
    assert not DosingRecord.objects.exists()


def test_the_patient_must_be_checked_in(people):
    session = dosing_session(people, checked_in=False)
    with pytest.raises(DosingRecordRefused, match="Check the patient in first"):
        dose(people, session)
    assert not DosingRecord.objects.exists()


def test_one_dose_per_session(people):
    session = dosing_session(people)
    dose(people, session)
    with pytest.raises(DosingRecordRefused, match="already recorded"):
        dose(people, session)
    assert DosingRecord.objects.count() == 1


# Vitals, adverse events, discharge ---------------------------------------------------------


def test_a_reading_in_range_raises_no_alert(people):
    record = dose(people, dosing_session(people))
    vitals = services.vitals_record(
        record=record, by=people.medical, systolic=150, diastolic=95, heart_rate=100, spo2=95
    )
    assert not vitals.out_of_range
    assert not SafetyAlert.objects.exists()


@pytest.mark.parametrize(
    ("reading", "expected"),
    [
        ({"systolic": 180}, "systolic 180 ≥ 180"),
        ({"diastolic": 110}, "diastolic 110 ≥ 110"),
        ({"heart_rate": 121}, "heart rate 121 > 120"),
        ({"heart_rate": 49}, "heart rate 49 < 50"),
        ({"spo2": 91}, "SpO2 91% < 92%"),
    ],
)
def test_a_reading_out_of_range_is_flagged_and_alerts_the_care_team(people, reading, expected):
    record = dose(people, dosing_session(people))
    values = {"systolic": 130, "diastolic": 85, "heart_rate": 80, "spo2": 97, **reading}
    vitals = services.vitals_record(record=record, by=people.medical, **values)
    assert vitals.out_of_range
    alert = SafetyAlert.objects.get()
    assert expected in alert.message
    assert alert.kind == "vitals" and alert.session == record.session
    assert alert.vital_signs == vitals and alert.is_open


def test_other_adverse_event_needs_a_description(people):
    from practice.errors import InvalidInput

    record = dose(people, dosing_session(people))
    with pytest.raises(InvalidInput, match="Describe"):
        services.adverse_event_record(record=record, by=people.medical, kind="other")
    event = services.adverse_event_record(
        record=record,
        by=people.medical,
        kind="nausea",
        severity="moderate",
        action_taken="ondansetron 4 mg",
    )
    assert record.adverse_events.get() == event


def test_discharge_names_what_is_missing_and_changes_nothing(people):
    record = dose(people, dosing_session(people))
    with observed(people, record), pytest.raises(DischargeRefused) as caught:
        services.dosing_discharge(
            record=record, by=people.medical, alert_and_oriented=False, escort_present=False
        )
    assert caught.value.extra["reasons"] == ["alert_and_oriented", "escort_present"]
    assert "Confirm the patient is alert and oriented." in caught.value.message
    record.refresh_from_db()
    assert record.discharged_at is None and not record.discharge_vitals_near_baseline


def test_a_completed_sessions_record_is_closed(people):
    session = dosing_session(people)
    record = dose(people, session)
    discharge(people, record)
    services.session_complete(session=session)
    with pytest.raises(DosingRecordRefused, match="completed"):
        services.vitals_record(
            record=record, by=people.medical, systolic=120, diastolic=80, heart_rate=70, spo2=98
        )


def test_dissociation_is_rated_0_to_10(people):
    from django.core.exceptions import ValidationError

    record = dose(people, dosing_session(people))
    assert (
        services.dosing_observations_update(
            record=record, by=people.medical, dissociation_score=6
        ).dissociation_score
        == 6
    )
    with pytest.raises(ValidationError):
        services.dosing_observations_update(record=record, by=people.medical, dissociation_score=11)
    record.refresh_from_db()
    assert record.dissociation_score == 6


def test_screening_valid_when_booked_but_expired_on_the_day_closes_check_in(people):
    # Booked while valid; on the day of the dose the screening has expired: the patient is
    # not checked in, so no dose can be recorded either.
    today = clinic_today(people.clinic)
    plan = cleared_with_plan(people, screened_on=today - datetime.timedelta(days=360))
    Screening.objects.update(expires_on=today + datetime.timedelta(days=1))
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=1)
    session = dosing_session(people, plan, checked_in=False, starts_at=start)
    with (
        time_machine.travel(start + datetime.timedelta(days=2)),
        pytest.raises(SessionTransitionRefused, match="no cleared screening valid on"),
    ):
        services.session_check_in(session=session)
    session.refresh_from_db()
    assert session.status == "scheduled"
    assert not DosingRecord.objects.exists()
