"""/today/ counts KAP-cycle gaps in the database: the same number `kap_cycle_gaps` lists,
in a constant number of queries however long the running plans are."""

import datetime

import pytest
import time_machine

from practice.models import Session
from practice.selectors import kap_cycle_gap_count, kap_cycle_gaps
from tests.factories import (
    CareTeamFactory,
    PatientFactory,
    SessionFactory,
    StaffFactory,
    TreatmentPlanFactory,
)

pytestmark = pytest.mark.django_db

DENVER = datetime.timezone(datetime.timedelta(hours=-7))
START = datetime.datetime(2027, 3, 1, 9, tzinfo=DENVER)

# Each plan: (kind initial, day, status) in order; p = preparation, d = dosing,
# i = integration. Integration counts within the clinic's window (7 days by default).
PLANS = {
    "complete cycle": [("p", 0), ("d", 1), ("i", 2)],
    "no preparation": [("d", 1), ("i", 2)],
    "no integration": [("p", 0), ("d", 1)],
    "integration too late": [("p", 0), ("d", 1), ("i", 30)],
    "one preparation for two doses": [("p", 0), ("d", 1), ("d", 3), ("i", 4)],
    "cancelled preparation": [("p", 0, "cancelled"), ("d", 1), ("i", 2)],
    "no-show integration": [("p", 0), ("d", 1), ("i", 2, "no_show")],
    "induction of four": [
        ("p", 0), ("d", 1), ("i", 2), ("p", 7), ("d", 8), ("i", 9),
        ("d", 15), ("i", 16), ("p", 21), ("d", 22),
    ],
    "integration starting with the dose's end": [("p", 0), ("d", 1), ("i", 1.0834)],
    "preparation after the dose only": [("d", 1), ("p", 2), ("i", 3)],
}  # fmt: skip
KINDS = {"p": "preparation", "d": "dosing", "i": "integration"}
# The gaps each plan has, by the rules (not by either function).
GAPS = {
    "complete cycle": 0,
    "no preparation": 1,
    "no integration": 1,
    "integration too late": 1,
    "one preparation for two doses": 1,  # the second dose has no preparation of its own
    "cancelled preparation": 1,
    "no-show integration": 1,
    "induction of four": 2,  # the third dose unprepared, the fourth not yet integrated
    "integration starting with the dose's end": 0,
    "preparation after the dose only": 1,
}


def build(people, steps, status="active"):
    """A plan of its own patient (on the therapist's care team) with its own clinician, so
    plans never double-book anyone (PostgreSQL's exclusion constraints)."""
    patient = PatientFactory(clinic=people.clinic)
    CareTeamFactory(patient=patient, staff=people.therapist)
    clinician = StaffFactory(clinic=people.clinic, role="therapist")
    plan = TreatmentPlanFactory(patient=patient, status=status)
    for step in steps:
        kind, day, *rest = step
        starts_at = START + datetime.timedelta(days=day)
        SessionFactory(
            patient=patient,
            plan=plan,
            clinician=clinician,
            kind=KINDS[kind],
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=2 if kind == "d" else 1),
            status=rest[0] if rest else "scheduled",
        )
    return plan


@pytest.mark.parametrize("name", PLANS)
def test_the_database_count_matches_the_listed_gaps(people, name):
    build(people, PLANS[name])
    with time_machine.travel(START, tick=False):
        for person, expected in (
            (people.therapist, GAPS[name]),
            (people.admin, GAPS[name]),
            (people.outsider, 0),
        ):
            listed = kap_cycle_gaps(user=person.user)
            assert len(listed) == expected
            assert kap_cycle_gap_count(user=person.user, clinic_id=people.clinic.pk) == expected


def test_the_worklist_names_each_missing_session_in_the_order_of_the_doses(people):
    plan = build(people, PLANS["induction of four"])
    build(people, PLANS["no preparation"])
    with time_machine.travel(START, tick=False):
        gaps = kap_cycle_gaps(user=people.therapist.user)
    assert [(gap.session.starts_at.date().day, gap.missing) for gap in gaps] == [
        (2, "preparation"),  # "no preparation": its dose on day 1
        (16, "preparation"),  # the induction's third dose (day 15)
        (23, "integration"),  # the induction's fourth dose (day 22)
    ]
    assert {gap.plan for gap in gaps[1:]} == {plan}


def test_gaps_older_than_the_lookback_are_no_longer_counted(people, settings):
    settings.CYCLE_GAP_LOOKBACK_DAYS = 90
    # Doses on days 1, 8, 15 and 22; the one on day 15 has no preparation, the one on day
    # 22 no integration.
    build(people, PLANS["induction of four"])
    for day, expected in ((104, 2), (110, 1), (113, 0)):
        # 90 days before day 104 is day 14: both gaps; before day 110, day 20: the last
        # dose's; before day 113, day 23: none.
        with time_machine.travel(START + datetime.timedelta(days=day), tick=False):
            assert len(kap_cycle_gaps(user=people.admin.user)) == expected, day
            assert kap_cycle_gap_count(user=people.admin.user, clinic_id=people.clinic.pk) == (
                expected
            )


def test_all_plans_together_and_finished_plans_not_counted(people):
    for steps in PLANS.values():
        build(people, steps)
    build(people, [("d", 1)], status="completed")
    with time_machine.travel(START, tick=False):
        listed = len(kap_cycle_gaps(user=people.admin.user))
        count = kap_cycle_gap_count(user=people.admin.user, clinic_id=people.clinic.pk)
    assert listed == count == sum(GAPS.values())


def test_a_session_held_on_another_plan_does_not_close_a_gap(people):
    build(people, [("d", 1)])
    build(people, [("p", 0), ("i", 2)])
    with time_machine.travel(START, tick=False):
        assert kap_cycle_gap_count(user=people.admin.user, clinic_id=people.clinic.pk) == 2


@pytest.mark.parametrize("plans", [2, 20])
def test_today_costs_the_same_queries_for_short_or_long_plans(
    people, web_as, django_assert_num_queries, plans
):
    for _ in range(plans):
        build(people, PLANS["induction of four"])
    with time_machine.travel(START, tick=False):
        client = web_as(people.therapist)
        with django_assert_num_queries(QUERIES_TODAY):
            response = client.get("/today/")
    assert response.context["gap_count"] == 2 * plans
    assert Session.objects.count() == 10 * plans


@pytest.mark.parametrize("plans", [2, 20])
def test_an_admins_today_costs_the_same_queries_for_short_or_long_plans(
    people, web_as, django_assert_num_queries, plans
):
    for _ in range(plans):
        build(people, PLANS["induction of four"])
    with time_machine.travel(START, tick=False):
        client = web_as(people.admin)
        with django_assert_num_queries(QUERIES_TODAY_ADMIN):
            response = client.get("/today/")
    assert response.context["gap_count"] == 2 * plans


# An admin's Today, 19 queries:
#  1-4 the session, the user, their second-factor device, their staff member (clinic joined);
#  5 open safety alerts; 6 today's sessions; 7 the clinic's integration window; 8 the
#  KAP-cycle gap count (one aggregate); 9 unread secure-message threads (one COUNT);
#  10 my day's sessions; 11 my calendar link's token; 12 the ledger panel's question (open
#  loss notices? open count discrepancies? the last inventory's day); 13 lots expiring
#  soon; 14 booking requests waiting (one COUNT); 15 Good Faith Estimates due; 16 self-pay
#  sessions within three days without one; 17 my patients; 18 their diagnosis codes; 19 the
#  audit row. (22 before Today dropped the unused care-team prefetch and the ledger panel
#  read its empty lists of notices and discrepancies and the inventory apart.)
QUERIES_TODAY_ADMIN = 19

# A therapist's Today, 17 queries; it must not move with the number of sessions:
#  1-4 the session, the user, their second-factor device, their staff member (clinic joined);
#  5 open safety alerts of the care team's patients; 6 today's sessions; 7 the clinic's
#  integration window; 8 the KAP-cycle gap count (one aggregate); 9 unread secure-message
#  threads (one COUNT); 10 my day's sessions; 11 my calendar link's token; the notes
#  worklist: 12 today's sessions with their notes, 13 past due without a signed note,
#  14 drafts; 15 my patients; 16 their diagnosis codes; 17 the audit row. (18 before Today
#  dropped the unused care-team prefetch of the patient list.)
QUERIES_TODAY = 17
