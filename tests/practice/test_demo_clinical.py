"""The demo clinic's clinical record, read back through the selectors the pages use."""

import datetime
import itertools
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from backend.demo import seed_demo
from billing import demo as billing_demo
from billing.models import Superbill
from controlled import demo as controlled_demo
from controlled.choices import EntryKind
from controlled.models import LedgerEntry
from controlled.services import active_administration
from practice import demo as practice_demo
from practice import selectors
from practice.choices import AlertKind, PlanStatus, ScreeningResult, SessionStatus
from practice.demo import clinical as demo_clinical
from practice.demo.clinical import answers_for, weekdays_before
from practice.models import (
    AdverseEvent,
    DosingRecord,
    MeasureResponse,
    SafetyAlert,
    Screening,
    Session,
    TreatmentPlan,
    VitalSigns,
)

pytestmark = pytest.mark.django_db

CLINICAL = (TreatmentPlan, Screening, Session, DosingRecord, VitalSigns, AdverseEvent)


def counts():
    models = (*CLINICAL, MeasureResponse, SafetyAlert, LedgerEntry)
    return {model.__name__: model.objects.count() for model in models}


def seed(*seeds) -> dict:
    ctx: dict = {}
    for step in seeds:
        step(ctx)
    return ctx


CLINICAL_SEEDS = (
    practice_demo.seed,
    controlled_demo.seed_stock,
    demo_clinical.seed,
    controlled_demo.seed_ledger,
)


@pytest.fixture
def demo():
    """The clinical part of the demo (the whole of it takes several times longer)."""
    return seed(*CLINICAL_SEEDS)


def test_eleanor_is_in_induction_with_three_complete_doses(demo):
    eleanor, therapist = demo["patients"]["eleanor"], demo["staff"]["therapist"].user
    plan = selectors.plan_running_for(patient=eleanor)
    assert plan.status == PlanStatus.ACTIVE
    assert selectors.plan_progress(plan).induction_doses == 3

    records = list(selectors.dose_history(patient=eleanor))
    assert len(records) == 3
    for record in records:
        assert record.session.status == SessionStatus.COMPLETED
        assert record.discharge_complete and record.dissociation_score is not None
        assert record.predose_systolic and record.escort_confirmed and record.fasting_confirmed
        readings = list(record.vitals.all())
        assert len(readings) >= 4
        gaps = {b.taken_at - a.taken_at for a, b in itertools.pairwise(readings)}
        assert gaps == {datetime.timedelta(minutes=15)}
    assert any(v.out_of_range for r in records for v in r.vitals.all())
    assert any(e.kind == "nausea" for r in records for e in r.adverse_events.all())

    alerts = selectors.alert_list(user=therapist).filter(patient=eleanor)
    assert [a.kind for a in alerts] == [AlertKind.VITALS]


def test_every_dose_has_its_preparation_before_and_integration_after(demo):
    assert selectors.kap_cycle_gaps(user=demo["staff"]["therapist"].user) == []


def test_eleanors_measures_improve_from_before_the_first_dose(demo):
    summaries = {
        s.instrument: s for s in selectors.measure_summaries(patient=demo["patients"]["eleanor"])
    }
    first_dose = DosingRecord.objects.filter(session__patient=demo["patients"]["eleanor"])
    first_dose_at = first_dose.order_by("administered_at").first().administered_at
    for summary in summaries.values():
        assert summary.baseline.answered_at < first_dose_at
        assert summary.change < 0
        scores = [r.score for r in summary.responses]
        assert scores == sorted(scores, reverse=True)
    assert set(summaries) == {"gad7", "phq9"}


def test_marcus_finished_induction_and_is_in_remission(demo):
    marcus = demo["patients"]["marcus"]
    plan = selectors.plan_running_for(patient=marcus)
    assert plan.status == PlanStatus.MAINTENANCE
    progress = selectors.plan_progress(plan)
    assert (progress.induction_doses, progress.target) == (6, 6)
    summaries = {s.instrument: s for s in selectors.measure_summaries(patient=marcus)}
    assert summaries["gad7"].response and summaries["gad7"].remission
    assert summaries["phq9"].response and summaries["phq9"].remission


def test_ruths_phq9_item_9_waits_on_her_care_teams_dashboards(demo):
    ruth = demo["patients"]["ruth"]
    for member in ("therapist", "medical"):
        alerts = selectors.alert_list(user=demo["staff"][member].user).filter(patient=ruth)
        assert [(a.kind, a.severity, a.is_open) for a in alerts] == [
            (AlertKind.SUICIDAL_IDEATION, "urgent", True)
        ]
        assert alerts[0].measure.answers[8] > 0
    # Left open to show the pathway: no assessment yet, so dosing is on hold.
    assert [code for code, _ in selectors.risk_hold_reasons(patient=ruth)] == ["risk_alert"]
    assert not ruth.risk_assessments.exists() and not ruth.safety_plans.exists()


def test_screenings_show_a_sign_off_and_a_refusal(demo):
    hannah, samir = demo["patients"]["hannah"], demo["patients"]["samir"]
    signed = Screening.objects.get(patient=hannah)
    assert signed.result == ScreeningResult.CLEARED
    assert signed.signed_off_by.role == "medical" and signed.sign_off_reason
    assert [f.severity for f in signed.findings.all()] == ["relative"]
    refused = Screening.objects.get(patient=samir, result=ScreeningResult.NOT_CLEARED)
    assert [f.severity for f in refused.findings.all()] == ["absolute"]
    assert selectors.screening_current(patient=samir, on=timezone.localdate()) is not None


def test_every_dose_is_in_the_ledger_drawn_from_stock_received_before_it(demo):
    records = DosingRecord.objects.filter(session__clinic=demo["clinic"])
    assert records.count() == 9
    administrations = LedgerEntry.objects.filter(kind=EntryKind.ADMINISTRATION)
    assert administrations.count() == records.count()
    for record in records:
        entry = active_administration(record)
        assert entry.occurred_at == record.administered_at
        assert entry.quantity_mg == -record.dose_mg
        assert record.lot_number == entry.lot.lot_number
        receipt = LedgerEntry.objects.get(lot=entry.lot, kind=EntryKind.RECEIPT)
        assert receipt.occurred_at < record.administered_at
        assert not entry.lot.is_expired(timezone.localtime(record.administered_at).date())


def test_the_clinical_sessions_are_on_weekdays_in_the_past(demo):
    tz = zoneinfo.ZoneInfo(demo["clinic"].timezone)
    sessions = Session.objects.filter(clinic=demo["clinic"])
    assert sessions.count() == 29  # Eleanor: 1 + 3 × 3, Marcus: 1 + 6 × 3
    assert all(s.starts_at.astimezone(tz).weekday() < 5 for s in sessions)
    assert all(s.ends_at < timezone.now() - datetime.timedelta(days=2) for s in sessions)


def test_seeding_again_changes_nothing(demo):
    before = counts()
    seed(*CLINICAL_SEEDS)
    assert counts() == before


def test_the_whole_demo_books_nobody_twice(db):
    """What PostgreSQL's exclusion constraints refuse, checked on any database: the other
    demos' sessions (calendar, notes, billing) fit around the clinical ones."""
    seed_demo()
    sessions = list(Session.objects.exclude(status="cancelled"))
    for key in ("patient_id", "clinician_id", "room_id"):
        booked: dict = {}
        for session in sessions:
            if getattr(session, key) is not None:
                booked.setdefault(getattr(session, key), []).append(session)
        for rows in booked.values():
            rows.sort(key=lambda s: s.starts_at)
            for a, b in itertools.pairwise(rows):
                assert a.ends_at <= b.starts_at or a.booking_key == b.booking_key, (key, a, b)


# The billing demo issues last month's superbill from these sessions: Eleanor's intake and
# first preparation are kept in last month whatever today's date is.
@pytest.mark.parametrize("today", ["2026-03-01", "2026-03-24", "2026-08-31"])
def test_last_months_superbill_has_the_intake_whatever_the_date(db, today):
    with time_machine.travel(datetime.datetime.fromisoformat(f"{today}T19:30:00+00:00")):
        ctx = seed(*CLINICAL_SEEDS, billing_demo.seed)
    first, _ = ctx["billing_period"]
    superbill = Superbill.objects.get(patient=ctx["patients"]["eleanor"], period_start=first)
    codes = set(superbill.lines.values_list("charge__code", flat=True))
    assert {"90791", "90837", "99214", "90833"} <= codes


def test_answers_add_up_and_keep_item_9_apart():
    assert sum(answers_for("gad7", 16)) == 16 and len(answers_for("gad7", 16)) == 7
    phq9 = answers_for("phq9", 16, self_harm=1)
    assert sum(phq9) == 16 and phq9[8] == 1 and max(phq9) <= 3
    assert answers_for("phq9", 12)[8] == 0


def test_weekdays_before_skips_weekends():
    friday = datetime.date(2026, 11, 27)
    assert weekdays_before(friday, 1) == datetime.date(2026, 11, 26)
    assert weekdays_before(datetime.date(2026, 11, 30), 1) == friday  # Monday → Friday
    assert weekdays_before(friday, -1) == datetime.date(2026, 11, 30)
