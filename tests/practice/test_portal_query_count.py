"""The portal's home reads the signed-in patient once (their role's read, with the care team
added) and their plan and dose times once each, and shows the same: care team, plan,
questionnaires due and progress charts."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from practice.selectors import measure_summaries, measures_due
from tests.factories import MeasureResponseFactory
from tests.practice.clinical import dose, dosing_session

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("America/Denver"))

# Before: 32 (the patient read again with diagnoses and care team, the open plan read
# again for the questionnaires due, the first dose read again for the charts). 28 with the
# patient's current Good Faith Estimates listed (one query). 27 since the retreats panel no
# longer reads the upcoming sessions the page lists itself (it never showed them).
PORTAL_QUERIES = 27


def test_the_portal_home_reads_the_patient_plan_and_doses_once(
    people, web_as, django_assert_num_queries
):
    with time_machine.travel(NOW):
        session = dosing_session(people)
        dose(people, session)
        for days, answers in ((40, [3, 3, 2, 2, 2, 2, 2]), (10, [1, 1, 1, 1, 0, 0, 0])):
            MeasureResponseFactory(
                patient=people.patient,
                answers=answers,
                answered_at=NOW - datetime.timedelta(days=days),
            )
        client = web_as(people.patient)
        client.get("/portal/")  # warm: first-use reads outside the page's own
        with django_assert_num_queries(PORTAL_QUERIES):
            response = client.get("/portal/")
        assert response.status_code == 200
        context = response.context
        assert context["patient"] == people.patient
        assert context["plan"] is not None
        assert context["due"] == measures_due(patient=people.patient)
        assert [s for s, _, _ in context["summaries"]] == measure_summaries(patient=people.patient)
    page = response.content.decode()
    member = people.patient.care_team.select_related("staff__user").first()
    assert member is not None and member.staff.display_name in page
    assert "Worry and anxiety (GAD-7)" in page
