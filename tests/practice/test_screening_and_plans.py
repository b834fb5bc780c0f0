"""Screening results and sign-off; the treatment-plan lifecycle."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from practice import services
from practice.errors import InvalidInput, PlanTransitionRefused, RoleNotAllowed, ScreeningRefused
from practice.models import Contraindication, Screening, TreatmentPlan
from tests.factories import clinic_today, consents_signed
from tests.practice.clinical import dose, dosing_session

pytestmark = pytest.mark.django_db

BASELINE = {
    "baseline_systolic": 124,
    "baseline_diastolic": 80,
    "baseline_heart_rate": 70,
    "weight_kg": Decimal("68.5"),
}


@pytest.fixture
def checklist(people):
    services.clinic_clinical_setup(clinic=people.clinic)
    return {c.name: c for c in Contraindication.objects.filter(clinic=people.clinic)}


def screen(people, *names, checklist, by=None, on=None):
    consents_signed(people.patient)  # ready to dose but for the screening
    return services.screening_record(
        patient=people.patient,
        by=by or people.therapist,
        screened_on=on or clinic_today(people.clinic),
        findings=[{"contraindication_id": checklist[n].pk} for n in names],
        **BASELINE,
    )


def test_the_default_checklist_marks_each_item_absolute_or_relative(checklist):
    assert len(checklist) == 7
    assert checklist["History of psychosis or schizophrenia"].severity == "absolute"
    assert checklist["Active substance misuse"].severity == "relative"


def test_no_findings_clears_for_12_months(people, checklist):
    screening = screen(people, checklist=checklist, on=datetime.date(2026, 1, 31))
    assert screening.result == "cleared"
    assert screening.expires_on == datetime.date(2027, 1, 31)


def test_an_absolute_contraindication_is_not_cleared_and_cannot_be_signed_off(people, checklist):
    screening = screen(
        people, "Pregnancy or breastfeeding", "Active substance misuse", checklist=checklist
    )
    assert screening.result == "not_cleared"
    with pytest.raises(ScreeningRefused, match="absolute contraindication"):
        services.screening_sign_off(screening=screening, by=people.medical, reason="Fine")
    screening.refresh_from_db()
    assert screening.result == "not_cleared" and screening.signed_off_by is None


def test_a_relative_contraindication_needs_a_medical_sign_off_with_a_reason(people, checklist):
    screening = screen(people, "Severe liver disease", checklist=checklist)
    assert screening.result == "needs_review"
    with pytest.raises(RoleNotAllowed, match="Only medical staff"):
        services.screening_sign_off(screening=screening, by=people.therapist, reason="ok")
    with pytest.raises(InvalidInput, match="reason"):
        services.screening_sign_off(screening=screening, by=people.medical, reason="  ")
    screening.refresh_from_db()
    assert screening.result == "needs_review"
    screening = services.screening_sign_off(
        screening=screening, by=people.medical, reason="LFTs normal on repeat, hepatology agrees"
    )
    assert screening.result == "cleared" and screening.signed_off_by == people.medical


@time_machine.travel(datetime.datetime(2026, 9, 1, 18, tzinfo=datetime.UTC), tick=False)
def test_the_clinic_sets_the_screening_validity(people, checklist):
    from practice.models import ClinicalSettings

    ClinicalSettings.objects.filter(clinic=people.clinic).update(screening_valid_months=6)
    screening = screen(people, checklist=checklist, on=datetime.date(2026, 8, 31))
    assert screening.expires_on == datetime.date(2027, 2, 28)


def test_a_checklist_item_of_another_clinic_is_refused(people, checklist):
    services.clinic_clinical_setup(clinic=people.other_clinic)
    foreign = Contraindication.objects.filter(clinic=people.other_clinic).first()
    with pytest.raises(InvalidInput, match="not on this clinic's checklist"):
        services.screening_record(
            patient=people.patient,
            by=people.therapist,
            screened_on=clinic_today(people.clinic),
            findings=[{"contraindication_id": foreign.pk}],
            **BASELINE,
        )
    assert not Screening.objects.exists()


# Plans -------------------------------------------------------------------------------------


def draft(people):
    return services.plan_create(
        patient=people.patient,
        by=people.therapist,
        route="im",
        starting_dose_mg_per_kg=Decimal("0.5"),
        diagnoses=list(people.patient.diagnoses.all()),
    )


def test_a_plan_cannot_be_activated_without_a_cleared_screening(people, checklist):
    plan = draft(people)
    screen(people, "Active substance misuse", checklist=checklist)
    with pytest.raises(PlanTransitionRefused, match="no cleared, unexpired screening"):
        services.plan_activate(plan=plan, by=people.medical)
    plan.refresh_from_db()
    assert plan.status == "draft" and plan.activated_at is None


def test_only_medical_staff_activate_a_plan(people, checklist):
    plan = draft(people)
    screen(people, checklist=checklist)
    with pytest.raises(RoleNotAllowed):
        services.plan_activate(plan=plan, by=people.therapist)
    plan = services.plan_activate(plan=plan, by=people.medical)
    assert plan.status == "active" and plan.screening.result == "cleared"


def test_the_full_lifecycle_with_progress(people, checklist):
    from practice.selectors import plan_progress

    plan = draft(people)
    screen(people, checklist=checklist)
    plan = services.plan_activate(plan=plan, by=people.medical)
    with pytest.raises(PlanTransitionRefused, match="No dose"):
        services.plan_move_to_maintenance(plan=plan, by=people.therapist)
    dose(people, dosing_session(people, plan))
    progress = plan_progress(plan)
    assert progress.label == "1 of 6 induction doses" and not progress.suggest_maintenance
    plan = services.plan_move_to_maintenance(plan=plan, by=people.therapist)
    assert plan.status == "maintenance"
    assert plan_progress(plan).next_maintenance_due is not None
    plan = services.plan_complete(plan=plan, by=people.therapist, reason="Goals met")
    assert plan.status == "completed"
    with pytest.raises(PlanTransitionRefused, match="already closed"):
        services.plan_discontinue(plan=plan, by=people.therapist, reason="x")


def test_past_plan_changes_are_dated_when_they_happened_within_the_rules(people, checklist):
    plan = draft(people)
    # Screened yesterday (clinic day), so three hours ago is after it even just past midnight.
    yesterday = clinic_today(people.clinic) - datetime.timedelta(days=1)
    screened = screen(people, checklist=checklist, on=yesterday)
    now = timezone.now()
    with pytest.raises(InvalidInput, match="future"):
        services.plan_activate(plan=plan, by=people.medical, at=now + datetime.timedelta(hours=1))
    # Before the screening there was no cleared screening to activate on.
    before = datetime.datetime.combine(
        screened.screened_on - datetime.timedelta(days=2), datetime.time(12), datetime.UTC
    )
    with pytest.raises(PlanTransitionRefused, match="no cleared, unexpired screening"):
        services.plan_activate(plan=plan, by=people.medical, at=before)
    plan.refresh_from_db()
    assert plan.status == "draft"

    earlier = now - datetime.timedelta(hours=3)
    plan = services.plan_activate(plan=plan, by=people.medical, at=earlier)
    assert plan.activated_at == earlier
    record = dose(people, dosing_session(people, plan))
    with pytest.raises(InvalidInput, match="before the plan's activation and first dose"):
        services.plan_move_to_maintenance(
            plan=plan,
            by=people.therapist,
            at=record.administered_at - datetime.timedelta(minutes=1),
        )
    later = timezone.now()
    plan = services.plan_move_to_maintenance(plan=plan, by=people.therapist, at=later)
    assert (plan.status, plan.maintenance_started_at) == ("maintenance", later)


def test_the_plan_suggests_maintenance_once_the_target_is_met(people):
    from practice.selectors import plan_progress
    from tests.factories import ScreeningFactory

    ScreeningFactory(
        patient=people.patient, screened_on=timezone.localdate() - datetime.timedelta(days=10)
    )
    plan = TreatmentPlan.objects.create(
        clinic=people.clinic,
        patient=people.patient,
        route="im",
        starting_dose_mg_per_kg=Decimal("0.5"),
        induction_target_sessions=2,
        status="active",
        activated_at=timezone.now(),
    )
    for days in (0, 2):
        start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=days, minutes=5)
        dose(people, dosing_session(people, plan, starts_at=start))
    progress = plan_progress(plan)
    assert progress.label == "2 of 2 induction doses" and progress.suggest_maintenance


def test_discontinuing_needs_a_reason(people):
    plan = draft(people)
    with pytest.raises(InvalidInput, match="why"):
        services.plan_discontinue(plan=plan, by=people.therapist, reason="")
    plan.refresh_from_db()
    assert plan.status == "draft"
    plan = services.plan_discontinue(plan=plan, by=people.therapist, reason="Chose another care")
    assert plan.status == "discontinued" and plan.end_reason == "Chose another care"


def test_a_second_running_plan_is_refused(people, checklist):
    screen(people, checklist=checklist)
    first = services.plan_activate(plan=draft(people), by=people.medical)
    with pytest.raises(PlanTransitionRefused, match="already has a running plan"):
        services.plan_activate(plan=draft(people), by=people.medical)
    assert TreatmentPlan.objects.filter(status="active").get() == first


def test_plans_api_scoping_and_activation(people, api_as, checklist):
    plan = draft(people)
    assert api_as(people.outsider).get(f"/api/v1/treatment-plans/{plan.pk}/").status_code == 404
    response = api_as(people.medical).post(f"/api/v1/treatment-plans/{plan.pk}/activate/")
    assert response.status_code == 409
    assert "screening" in response.json()["detail"]
    assert (
        api_as(people.therapist).post(f"/api/v1/treatment-plans/{plan.pk}/activate/").status_code
        == 403
    )
    screen(people, checklist=checklist)
    response = api_as(people.medical).post(f"/api/v1/treatment-plans/{plan.pk}/activate/")
    assert response.status_code == 200
    assert response.json()["progress"] == "0 of 6 induction doses"


# The clinic's day ---------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2026, 12, 2, 3, 0, tzinfo=datetime.UTC), tick=False)
def test_an_evening_screening_counts_on_the_clinics_day_not_the_servers(people, web_as, checklist):
    # 20:00 on Dec 1 in Denver is already Dec 2 in UTC: the page, the future check, the plan
    # activation and the booking of a dose that evening all go by the clinic's calendar.
    client = web_as(people.medical)
    form = client.get(f"/patients/{people.patient.pk}/screenings/new/").content.decode()
    assert 'value="2026-12-01"' in form
    with pytest.raises(InvalidInput, match="in the future"):
        screen(people, checklist=checklist, on=datetime.date(2026, 12, 2))
    screening = screen(people, checklist=checklist, on=datetime.date(2026, 12, 1))
    assert screening.result == "cleared"
    page = client.get(f"/patients/{people.patient.pk}/").content.decode()
    assert "Cleared</span> until Dec 1, 2027" in page
    plan = services.plan_create(
        patient=people.patient, by=people.medical, route="im", starting_dose_mg_per_kg="0.5"
    )
    plan = services.plan_activate(plan=plan, by=people.medical)
    assert plan.screening == screening
    session = dosing_session(people, plan, starts_at=timezone.now())
    assert session.status == "checked_in"
