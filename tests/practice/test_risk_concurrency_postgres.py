"""The risk pathway under concurrency, on PostgreSQL: row locks, not luck."""

import threading

import pytest
from django.db import IntegrityError, connection

from practice import services
from practice.errors import AlertAlreadyAcknowledged
from practice.models import RiskAssessment, SafetyAlert, SafetyPlan
from tests.conftest import requires_postgres
from tests.practice.test_risk_pathway import ANSWERS, PLAN

pytestmark = [requires_postgres, pytest.mark.postgres]


def run_at_once(calls):
    """Run every call in its own thread and connection, released together."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as exc:  # surfaced to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_eight_clinicians_saving_the_plan_at_once_make_eight_versions_one_current(people):
    by = [people.therapist, people.medical] * 4
    results, errors = run_at_once(
        [
            lambda who=who: services.safety_plan_write(patient=people.patient, by=who, **PLAN)
            for who in by
        ]
    )
    assert errors == []
    assert sorted(p.version for p in results) == list(range(1, 9))
    assert SafetyPlan.objects.filter(superseded_at=None).get().version == 8


@pytest.mark.django_db(transaction=True)
def test_two_clinicians_assessing_one_alert_at_once_close_it_once(people):
    services.measure_record(
        patient=people.patient, instrument="phq9", answers=[1] * 9, entered_by=people.patient.user
    )
    alert = SafetyAlert.objects.get()
    results, errors = run_at_once(
        [
            lambda who=who: services.risk_assessment_record(
                patient=people.patient,
                by=who,
                answers=ANSWERS["low"],
                formulation="Passive thoughts only.",
                alert=alert,
            )
            for who in (people.therapist, people.medical)
        ]
    )
    assert len(results) == 1 and [type(e) for e in errors] == [AlertAlreadyAcknowledged]
    assert RiskAssessment.objects.count() == 1
    alert.refresh_from_db()
    assert alert.acknowledged_by == results[0].assessed_by


@pytest.mark.django_db
def test_the_database_holds_one_current_plan_per_patient(people):
    plan = services.safety_plan_write(patient=people.patient, by=people.therapist, **PLAN)
    twin = SafetyPlan(
        **{f.attname: getattr(plan, f.attname) for f in SafetyPlan._meta.concrete_fields},
    )
    twin.pk, twin.version = None, 2
    with pytest.raises(IntegrityError):
        twin.save()
