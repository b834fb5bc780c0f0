"""The clinical safety gates, at the service layer: every refusal lists every reason at
once and changes nothing (dosing records, ledger entries, audit rows); an override of a dose
out of range is medical staff's, with a reason, kept on the record and in the audit log.

1. The newest screening speaks: a later not-cleared or unsigned one closes booking,
   rescheduling (tests/scheduling/test_newest_screening.py), check-in and dosing.
2. No induction dose past the plan's target until the plan moves to maintenance or medical
   staff change the target with a reason.
3. Dose sanity: mg/kg against the route's range and the plan's dose, pre-dose SpO2 and heart
   rate, the route against the plan's, the lot's formulation, the weight against the
   screening's.
5. Discharge after the route's observation time, on a last reading within the clinic's
   limits and near the pre-dose one (read from the readings, not ticked).
7. A baseline pressure at the refusal level needs review; stock shortage is listed with the
   other reasons; the route table cites its figures.
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.utils import timezone

from practice import selectors, services
from practice.errors import (
    DischargeRefused,
    DosingGateRefused,
    DosingNotAllowed,
    InvalidInput,
    PlanTransitionRefused,
    RoleNotAllowed,
    SessionRefused,
    SessionTransitionRefused,
)
from practice.models import ClinicalSettings, DosingRecord, PlanTargetChange, TreatmentPlan
from practice.reference import ROUTE_FACTS
from tests.factories import TreatmentPlanFactory, clinic_today
from tests.practice.clinical import (
    cleared_with_plan,
    discharge,
    dose,
    dosing_session,
    row_counts,
    screen,
    small_lot,
    stock_lot,
    troche_lot,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def refused(people, session, **kwargs) -> DosingGateRefused:
    """The gate's one refusal of `dose(**kwargs)`, having changed nothing."""
    stock_lot(people)
    before = row_counts()
    with pytest.raises(DosingGateRefused) as caught:
        dose(people, session, **kwargs)
    assert row_counts() == before
    session.refresh_from_db()
    assert session.status == "checked_in"
    return caught.value


# 1. The newest screening -----------------------------------------------------------------


def test_a_newer_screening_with_an_absolute_contraindication_closes_dosing(people):
    today = clinic_today(people.clinic)
    plan = cleared_with_plan(people, screened_on=today - 10 * DAY)
    checked_in = dosing_session(people, plan)
    booked = dosing_session(people, plan, checked_in=False)  # later today
    screen(people, "Pregnancy or breastfeeding")

    newest = selectors.screening_current(patient=people.patient, on=today)
    assert newest.result == "not_cleared"
    error = refused(people, checked_in)
    assert error.extra["reasons"] == ["screening"]
    assert "found an absolute contraindication (Pregnancy or breastfeeding)" in error.message
    with pytest.raises(SessionTransitionRefused, match="absolute contraindication"):
        services.session_check_in(session=booked)
    booked.refresh_from_db()
    assert booked.status == "scheduled"
    with pytest.raises(SessionRefused, match="no cleared screening valid on"):
        dosing_session(people, plan, checked_in=False, starts_at=timezone.now() + 7 * DAY)
    assert plan.sessions.count() == 2


def test_a_newer_screening_that_clears_reopens_dosing(people):
    today = clinic_today(people.clinic)
    plan = cleared_with_plan(people, screened_on=today - 10 * DAY)
    session = dosing_session(people, plan)
    screen(people, "Pregnancy or breastfeeding", screened_on=today - DAY)
    refused(people, session)
    screen(people)  # today, nothing found
    assert dose(people, session).session == session


def test_a_newer_screening_awaiting_sign_off_closes_dosing_until_signed(people):
    today = clinic_today(people.clinic)
    plan = cleared_with_plan(people, screened_on=today - 10 * DAY)
    session = dosing_session(people, plan)
    review = screen(people, "Active substance misuse")
    error = refused(people, session)
    assert error.extra["reasons"] == ["screening"]
    assert "needs a medical sign-off" in error.message
    services.screening_sign_off(screening=review, by=people.medical, reason="Sober 2 years.")
    assert dose(people, session)


def test_a_plan_is_not_activated_on_an_older_cleared_screening(people):
    today = clinic_today(people.clinic)
    screen(people, screened_on=today - 10 * DAY)
    screen(people, "Raised intracranial pressure")
    plan = services.plan_create(
        patient=people.patient,
        by=people.medical,
        route="im",
        starting_dose_mg_per_kg=Decimal("0.5"),
    )
    with pytest.raises(PlanTransitionRefused, match="Raised intracranial pressure"):
        services.plan_activate(plan=plan, by=people.medical)
    plan.refresh_from_db()
    assert plan.status == "draft"


# 2. The induction target -----------------------------------------------------------------


def plan_of_one(people) -> TreatmentPlan:
    plan = cleared_with_plan(people)
    TreatmentPlan.objects.filter(pk=plan.pk).update(induction_target_sessions=1)
    plan.refresh_from_db()
    dose(people, dosing_session(people, plan))
    return plan


def test_a_dose_past_the_induction_target_is_refused(people):
    plan = plan_of_one(people)
    error = refused(people, dosing_session(people, plan))
    assert error.extra["reasons"] == ["induction_target"]
    assert "induction target is reached (1 of 1 induction doses)" in error.message
    assert selectors.plan_progress(plan).label == "1 of 1 induction doses"


@pytest.mark.parametrize("who", ["therapist", "admin"])
def test_only_medical_staff_change_the_induction_target(people, who):
    plan = plan_of_one(people)
    with pytest.raises(RoleNotAllowed, match="Only medical staff"):
        services.plan_target_change(
            plan=plan, by=getattr(people, who), induction_target_sessions=3, reason="Helping."
        )
    plan.refresh_from_db()
    assert plan.induction_target_sessions == 1
    assert not PlanTargetChange.objects.exists()


def test_a_target_change_needs_a_reason(people):
    plan = plan_of_one(people)
    with pytest.raises(InvalidInput) as caught:
        services.plan_target_change(
            plan=plan, by=people.medical, induction_target_sessions=3, reason=" "
        )
    assert caught.value.extra["fields"] == {"reason": ["Say why the induction target changes."]}
    plan.refresh_from_db()
    assert plan.induction_target_sessions == 1
    assert not PlanTargetChange.objects.exists()


def test_a_target_cannot_go_below_the_induction_doses_given(people):
    plan = plan_of_one(people)
    services.plan_target_change(
        plan=plan, by=people.medical, induction_target_sessions=3, reason="Two more."
    )
    dose(people, dosing_session(people, plan))
    with pytest.raises(InvalidInput, match="2 induction doses are already given"):
        services.plan_target_change(
            plan=plan, by=people.medical, induction_target_sessions=1, reason="Stop here."
        )
    plan.refresh_from_db()
    assert plan.induction_target_sessions == 3
    assert PlanTargetChange.objects.count() == 1


def test_medical_staff_raise_the_target_with_a_reason_and_the_dose_is_given(people):
    plan = plan_of_one(people)
    plan = services.plan_target_change(
        plan=plan,
        by=people.medical,
        induction_target_sessions=3,
        reason="Partial response after one dose; two more at the same dose.",
    )
    change = PlanTargetChange.objects.get()
    assert (change.from_sessions, change.to_sessions, change.changed_by) == (1, 3, people.medical)
    audit = LogEntry.objects.get_for_object(plan).filter(action=LogEntry.Action.UPDATE).get()
    assert audit.changes_dict["induction_target_sessions"] == ["1", "3"]
    assert LogEntry.objects.get_for_object(change).filter(action=LogEntry.Action.CREATE).exists()
    dose(people, dosing_session(people, plan))
    assert selectors.plan_progress(plan).label == "2 of 3 induction doses"


def test_a_plan_moved_to_maintenance_doses_past_the_induction_target(people):
    plan = plan_of_one(people)
    services.plan_move_to_maintenance(plan=plan, by=people.therapist)
    assert dose(people, dosing_session(people, plan))


# 3. Dose sanity --------------------------------------------------------------------------


def test_10_mg_per_kg_on_a_half_mg_per_kg_plan_is_refused(people):
    error = refused(people, dosing_session(people), dose_mg=Decimal("700"))
    assert error.extra["reasons"] == ["dose_range", "dose_plan"]
    assert error.extra["overridable"] == ["dose_range", "dose_plan"]
    assert (
        "700 mg for 70 kg is 10 mg/kg, outside the clinic's range for Intramuscular (IM) "
        "(0.1–2 mg/kg)." in error.message
    )
    assert "more than 25 % off the plan's starting dose (0.5 mg/kg)" in error.message


def test_medical_staff_override_a_dose_out_of_range_with_a_reason_kept_and_audited(people):
    record = dose(
        people,
        dosing_session(people),
        dose_mg=Decimal("105"),
        dose_override=True,
        dose_override_reason="Planned step to 1.5 mg/kg after two doses without response.",
    )
    assert record.dose_mg_per_kg == Decimal("1.500")
    assert record.dose_override_by == people.medical
    assert record.dose_override_reason.startswith("Planned step to 1.5 mg/kg")
    assert "more than 25 % off the plan's starting dose" in record.dose_override_for
    created = LogEntry.objects.get_for_object(record).get(action=LogEntry.Action.CREATE)
    assert created.changes_dict["dose_override_reason"][1].startswith("Planned step")


def test_an_override_without_a_reason_is_refused(people):
    error = refused(people, dosing_session(people), dose_mg=Decimal("700"), dose_override=True)
    assert error.extra["reasons"] == ["dose_range", "dose_plan", "override_reason"]


@pytest.mark.parametrize("who", ["therapist", "admin"])
def test_a_therapist_or_admin_cannot_override(people, who):
    session, lot = dosing_session(people), stock_lot(people)
    before = row_counts()
    with pytest.raises(DosingNotAllowed, match="Only medical staff"):
        services.dosing_record_create(
            session=session,
            by=getattr(people, who),
            dose_mg=Decimal("700"),
            weight_kg=Decimal("70"),
            escort_confirmed=True,
            fasting_confirmed=True,
            predose_systolic=128,
            predose_diastolic=82,
            predose_heart_rate=74,
            predose_spo2=98,
            lot=lot,
            dose_override=True,
            dose_override_reason="I say so.",
        )
    assert row_counts() == before


def test_an_override_is_not_stored_when_the_dose_needs_none(people):
    record = dose(
        people, dosing_session(people), dose_override=True, dose_override_reason="Just in case."
    )
    assert not record.dose_overridden and record.dose_override_reason == ""


def test_the_plan_dose_follows_the_titration_step_by_step(people):
    plan = cleared_with_plan(people)
    dose(people, dosing_session(people, plan), dose_mg=Decimal("42"))  # 0.6 mg/kg
    # 0.7 is 40 % above the starting 0.5 but 17 % above the last dose: a titration step.
    assert dose(people, dosing_session(people, plan), dose_mg=Decimal("49"))
    # 1.0 is more than 25 % off both.
    error = refused(people, dosing_session(people, plan), dose_mg=Decimal("70"))
    assert error.extra["reasons"] == ["dose_plan"]
    assert "and the last dose under the plan (0.7 mg/kg)" in error.message


def test_the_clinic_sets_the_route_ranges_and_the_margin(people):
    ClinicalSettings.objects.create(
        clinic=people.clinic, im_dose_max_mg_per_kg=Decimal("0.550"), dose_plan_margin_percent=10
    )
    error = refused(people, dosing_session(people), dose_mg=Decimal("42"))  # 0.6 mg/kg
    assert error.extra["reasons"] == ["dose_range", "dose_plan"]
    assert "(0.1–0.55 mg/kg)" in error.message and "more than 10 %" in error.message


def test_a_low_spo2_and_a_fast_heart_rate_refuse_the_dose_and_no_override_answers(people):
    session = dosing_session(people)
    error = refused(people, session, predose_spo2=85, predose_heart_rate=140)
    assert error.extra["reasons"] == ["spo2", "heart_rate"]
    assert "Pre-dose SpO2 85% is below the clinic's limit (94%)." in error.message
    assert "Pre-dose heart rate 140 is above the clinic's limit (110)." in error.message
    error = refused(
        people,
        session,
        predose_spo2=85,
        predose_heart_rate=140,
        dose_override=True,
        dose_override_reason="Feels fine.",
    )
    assert error.extra["reasons"] == ["spo2", "heart_rate"]


@pytest.mark.parametrize(
    ("changes", "reasons", "words"),
    [
        ({"predose_heart_rate": 45}, ["heart_rate"], "heart rate 45 is below the clinic's limit"),
        ({"predose_spo2": 93}, ["spo2"], "SpO2 93% is below"),
        ({"predose_spo2": None, "predose_heart_rate": None}, ["spo2", "heart_rate"], "Take the"),
    ],
)
def test_the_pre_dose_spo2_and_heart_rate_limits(people, changes, reasons, words):
    error = refused(people, dosing_session(people), **changes)
    assert error.extra["reasons"] == reasons
    assert words in error.message


def test_limits_just_inside_allow_the_dose(people):
    assert dose(people, dosing_session(people), predose_spo2=94, predose_heart_rate=110)


def test_an_iv_dose_on_an_im_plan_from_a_troche_lot_is_refused(people):
    error = refused(people, dosing_session(people), route="iv", lot=troche_lot(people))
    assert error.extra["reasons"] == ["route", "formulation"]
    assert "the plan's route is Intramuscular (IM)" in error.message
    assert "not a formulation for the Intravenous (IV) route" in error.message


def test_an_oral_plan_draws_from_troches_not_vials(people):
    screen(people)
    plan = TreatmentPlanFactory(
        patient=people.patient, route="oral", starting_dose_mg_per_kg=Decimal("1.5")
    )
    session = dosing_session(people, plan)
    error = refused(people, session, dose_mg=Decimal("105"), lot=stock_lot(people))
    assert error.extra["reasons"] == ["formulation"]
    record = dose(people, session, dose_mg=Decimal("105"), lot=troche_lot(people))
    assert record.route == "oral"


def test_a_weight_far_from_the_screenings_needs_confirming(people):
    session = dosing_session(people)
    error = refused(people, session, weight_kg=Decimal("30.0"), dose_mg=Decimal("15"))
    assert error.extra["reasons"] == ["weight"]
    assert "30 kg, is 57 % off the screening's 70 kg (more than 10 %)" in error.message
    record = dose(
        people, session, weight_kg=Decimal("30.0"), dose_mg=Decimal("15"), weight_confirmed=True
    )
    assert record.weight_confirmed and record.dose_mg_per_kg == Decimal("0.500")


def test_a_weight_within_the_margin_needs_no_confirmation(people):
    record = dose(people, dosing_session(people), weight_kg=Decimal("64.0"), dose_mg=Decimal("32"))
    assert not record.weight_confirmed


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"predose_spo2_refuse_below": 90}, "predose_spo2_refuse_below", "SpO2 < 92%"),
        ({"predose_heart_rate_refuse_above": 130}, "predose_heart_rate_refuse_above", "> 120"),
        ({"predose_heart_rate_refuse_below": 45}, "predose_heart_rate_refuse_below", "< 50"),
        (
            {"im_dose_min_mg_per_kg": Decimal("2.5")},
            "im_dose_min_mg_per_kg",
            "below the highest dose of the route (2.000 mg/kg)",
        ),
        ({"iv_dose_max_mg_per_kg": Decimal("30")}, "iv_dose_max_mg_per_kg", "0.010 to 20.000"),
        ({"oral_observe_minutes": 5}, "oral_observe_minutes", "from 15 to 480"),
        ({"discharge_systolic_below": 190}, "discharge_systolic_below", "systolic ≥ 180"),
        ({"discharge_spo2_at_least": 90}, "discharge_spo2_at_least", "SpO2 < 92%"),
        ({"weight_confirm_percent": 0}, "weight_confirm_percent", "from 2 to 50"),
    ],
)
def test_the_new_settings_are_validated_and_nothing_changes(people, changes, field, message):
    with pytest.raises(ValidationError) as caught:
        services.clinical_settings_update(clinic=people.clinic, by=people.admin, **changes)
    assert message in " ".join(caught.value.message_dict[field])
    assert not ClinicalSettings.objects.exists()


# 5. Discharge ----------------------------------------------------------------------------


def test_discharge_a_second_after_the_dose_at_186_over_112_is_refused(people):
    record = dose(people, dosing_session(people))
    second = record.administered_at + datetime.timedelta(seconds=1)
    with time_machine.travel(second, tick=False):
        services.vitals_record(
            record=record, by=people.medical, systolic=186, diastolic=112, heart_rate=96, spo2=97
        )
        with pytest.raises(DischargeRefused) as caught:
            services.dosing_discharge(
                record=record,
                by=people.medical,
                vitals_near_baseline=True,  # ticked by hand: the readings say otherwise
                alert_and_oriented=True,
                escort_present=True,
            )
    assert caught.value.extra["reasons"] == ["observation", "discharge_pressure", "baseline"]
    message = caught.value.message
    assert "Observe at least 60 minutes after a dose by the Intramuscular (IM) route" in message
    assert "is at or above the clinic's discharge limit (160/100)" in message
    assert "systolic 186 against 128 before the dose (45 % off)" in message
    record.refresh_from_db()
    assert record.discharged_at is None and not record.discharge_vitals_near_baseline


def test_discharge_needs_a_reading_after_the_dose(people):
    record = dose(people, dosing_session(people))
    with (
        time_machine.travel(record.administered_at + datetime.timedelta(minutes=61)),
        pytest.raises(DischargeRefused) as caught,
    ):
        services.dosing_discharge(
            record=record, by=people.medical, alert_and_oriented=True, escort_present=True
        )
    assert caught.value.extra["reasons"] == ["vitals"]


def test_discharge_after_the_observation_on_readings_back_at_baseline(people):
    record = discharge(people, dose(people, dosing_session(people)))
    assert record.discharged_at is not None
    assert record.discharge_vitals_near_baseline  # read from the readings


def test_a_tick_saying_not_near_baseline_against_the_readings_is_refused(people):
    record = dose(people, dosing_session(people))
    with pytest.raises(DischargeRefused) as caught:
        discharge(people, record, vitals_near_baseline=False)
    assert caught.value.extra["reasons"] == ["baseline"]


def test_a_last_spo2_below_the_discharge_limit_is_refused(people):
    record = dose(people, dosing_session(people))
    reading = {"systolic": 128, "diastolic": 82, "heart_rate": 74, "spo2": 93}
    with pytest.raises(DischargeRefused) as caught:
        discharge(people, record, reading=reading)
    assert caught.value.extra["reasons"] == ["discharge_spo2"]


def test_an_oral_dose_is_observed_90_minutes(people):
    screen(people)
    plan = TreatmentPlanFactory(
        patient=people.patient, route="oral", starting_dose_mg_per_kg=Decimal("1.5")
    )
    record = dose(
        people, dosing_session(people, plan), dose_mg=Decimal("105"), lot=troche_lot(people)
    )
    with pytest.raises(DischargeRefused) as caught:
        discharge(people, record, minutes=61)
    assert caught.value.extra["reasons"] == ["observation"]
    assert "Observe at least 90 minutes" in caught.value.message
    assert discharge(people, record, minutes=91).discharged_at is not None


def test_the_clinic_sets_the_observation_time_per_route(people):
    ClinicalSettings.objects.create(clinic=people.clinic, im_observe_minutes=120)
    record = dose(people, dosing_session(people))
    with pytest.raises(DischargeRefused, match="Observe at least 120 minutes"):
        discharge(people, record, minutes=61)


# 7. Smaller ones -------------------------------------------------------------------------


def test_a_baseline_at_the_refusal_level_with_nothing_ticked_needs_review(people):
    screening = screen(people, systolic=190, diastolic=120)
    assert screening.result == "needs_review"
    [finding] = screening.findings.all()
    assert finding.severity == "relative"
    assert "Baseline 190/120 is at or above the clinic's pre-dose limit (160/100)." in finding.note
    plan = services.plan_create(
        patient=people.patient,
        by=people.medical,
        route="im",
        starting_dose_mg_per_kg=Decimal("0.5"),
    )
    with pytest.raises(PlanTransitionRefused, match="needs a medical sign-off"):
        services.plan_activate(plan=plan, by=people.medical)
    services.screening_sign_off(
        screening=screening, by=people.medical, reason="White-coat: home readings 130/84."
    )
    assert services.plan_activate(plan=plan, by=people.medical).status == "active"


def test_a_baseline_just_under_the_refusal_level_is_cleared(people):
    assert screen(people, systolic=159, diastolic=99).result == "cleared"


def test_the_baseline_follows_the_clinics_refusal_level(people):
    ClinicalSettings.objects.create(
        clinic=people.clinic, predose_systolic_refuse_at=140, predose_diastolic_refuse_at=90
    )
    assert screen(people, systolic=128, diastolic=90).result == "needs_review"


def test_stock_shortage_is_listed_with_every_other_reason(people):
    lot = small_lot(people)
    error = refused(
        people, dosing_session(people), escort_confirmed=False, predose_spo2=85, lot=lot
    )
    assert error.extra["reasons"] == ["escort", "spo2", "stock"]
    assert f"Lot {lot.lot_number} holds 30.00 mg" in error.message
    assert error.extra["fields"]["lot_id"] == [
        f"Lot {lot.lot_number} holds 30.00 mg (3.00 mL); 35.00 mg cannot be taken from it."
    ]
    assert lot.entries.count() == 1


def test_the_route_table_gives_nasal_45_to_50_percent_and_a_source_for_each_figure():
    assert ROUTE_FACTS["in"].bioavailability == "About 45–50 %"
    assert "Yanagihara" in ROUTE_FACTS["in"].bioavailability_source
    assert "Malinovsky" in ROUTE_FACTS["in"].bioavailability_source
    for facts in ROUTE_FACTS.values():
        assert facts.bioavailability_source, facts.route


def test_every_reason_is_listed_in_the_one_refusal(people):
    plan = plan_of_one(people)
    session = dosing_session(people, plan)  # checked in while the screening cleared
    screen(people, "Active substance misuse")
    error = refused(
        people,
        session,
        escort_confirmed=False,
        fasting_confirmed=False,
        predose_systolic=170,
        predose_spo2=85,
        predose_heart_rate=140,
        weight_kg=Decimal("30"),
        dose_mg=Decimal("700"),
        route="iv",
        lot=small_lot(people),
    )
    assert error.extra["reasons"] == [
        "screening",
        "induction_target",
        "escort",
        "fasting",
        "blood_pressure",
        "spo2",
        "heart_rate",
        "weight",
        "route",
        "dose_range",
        "dose_plan",
        "stock",
    ]
    assert DosingRecord.objects.count() == 1  # the first dose only


def test_a_route_without_settings_refuses_every_dose_and_waits_two_hours(people, monkeypatch):
    # A route added later (esketamine, say) without its settings is not dosed by default.
    from practice import models

    monkeypatch.delitem(models.ROUTE_SETTING_PREFIX, "in")
    screen(people)
    plan = TreatmentPlanFactory(patient=people.patient, route="in")
    error = refused(people, dosing_session(people, plan), route="in")
    assert error.extra["reasons"] == ["dose_range_unset"]
    assert ClinicalSettings().observe_minutes("in") == 120
