"""The long lists are read through an index that matches their filter and order (PostgreSQL's
plan, read with EXPLAIN): no sequential scan of the table and no sort of the clinic's
history, for the superbill list, a keyset page of sessions and the other keyset lists.

Sequential scans are switched off for the EXPLAIN, so the planner shows whether an index
*can* serve the query whatever the (tiny) test tables' statistics: without a matching
index the plan still has a Seq Scan or a Sort, and the test fails.
"""

import datetime

import pytest
from django.db import connection

from billing.selectors import charge_list, sessions_awaiting_charges, superbill_list
from controlled.selectors import entry_list
from integration_notes.selectors import note_list
from messaging.models import Reminder
from practice.selectors import session_list
from tests.conftest import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db]

SINCE = datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)


# On a test database of a few rows the planner's choice follows its statistics (a bitmap
# scan then a sort was as cheap as the index in order); these make it take an ordered index
# scan whenever one exists, so a plan with a Sort means no index serves the ordering.
PLANNER_OFF = ("enable_seqscan", "enable_bitmapscan", "enable_sort")


def plan_of(queryset) -> str:
    with connection.cursor() as cursor:
        for setting in PLANNER_OFF:
            cursor.execute(f"SET {setting} = off")
        try:
            return queryset.explain()
        finally:
            for setting in PLANNER_OFF:
                cursor.execute(f"RESET {setting}")


def test_the_superbill_list_reads_its_index_in_order(people):
    plan = plan_of(superbill_list(user=people.admin.user).order_by("-issued_at", "-id")[:25])
    assert "superbill_clinic_issued" in plan, plan
    assert "Sort" not in plan, plan


def test_a_patients_superbills_read_their_index_in_order(people):
    plan = plan_of(superbill_list(user=people.patient.user).order_by("-issued_at", "-id")[:25])
    assert "superbill_patient_issued" in plan, plan
    assert "Sort" not in plan, plan


def test_a_keyset_page_of_sessions_reads_the_index_from_the_cursor(people):
    page = (
        session_list(user=people.admin.user)
        .filter(starts_at__gte=SINCE)
        .order_by("starts_at", "id")[:26]
    )
    plan = plan_of(page)
    assert "session_clinic_starts_id" in plan, plan
    assert "Sort" not in plan, plan


@pytest.mark.parametrize(
    ("name", "read", "order", "index"),
    [
        (
            "charges",
            lambda u: charge_list(user=u),
            ("date_of_service", "id"),
            "charge_clinic_dos_id",
        ),
        ("notes", lambda u: note_list(user=u), ("-created_at", "-id"), "note_clinic_created"),
        (
            "reminders",
            lambda u: Reminder.objects.visible_to(u),
            ("-send_at", "-id"),
            "reminder_clinic_send",
        ),
    ],
)
def test_the_other_keyset_lists_read_their_index_in_order(people, name, read, order, index):
    plan = plan_of(read(people.admin.user).order_by(*order)[:26])
    assert index in plan, plan
    assert "Sort" not in plan, plan


def test_the_ledger_reads_its_clinic_index(people):
    plan = plan_of(entry_list(user=people.admin.user).order_by("-occurred_at", "-id")[:26])
    assert "Seq Scan on controlled_ledgerentry" not in plan, plan


def test_sessions_awaiting_charges_read_only_the_window_through_an_index(people):
    plan = plan_of(sessions_awaiting_charges(clinic_id=people.clinic.pk))
    assert "Index Scan using session_clinic_starts_id on practice_session" in plan, plan
    assert "starts_at >=" in plan.split("on practice_session")[1].split("->")[0], plan
