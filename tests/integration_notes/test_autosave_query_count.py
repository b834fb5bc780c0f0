"""Saving a draft reads the note once to find it, locks it once and writes one UPDATE and
its change-log row; the patient's other notes do not add to it."""

import datetime

import pytest

from integration_notes import services
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("history", [10, 100])
def test_saving_a_draft_costs_the_same_however_many_notes_came_before(
    session, integration_template, people, web_as, django_assert_num_queries, history
):
    for days in range(2, history + 2):
        earlier = session.starts_at - datetime.timedelta(days=days)
        SessionFactory(
            patient=people.patient,
            clinician=people.therapist,
            kind="integration",
            starts_at=earlier,
            ends_at=earlier + datetime.timedelta(minutes=50),
            status="completed",
        )
    note = services.note_start(
        session=session, author=people.therapist, template=integration_template
    )
    client = web_as(people.therapist)
    url = f"/notes/{note.pk}/autosave/"
    client.post(url, {"f_insights": "warm"})  # first-use reads outside the request's own
    # 1. the signed-in session  2. its user  3. the second-factor device
    # 4. the user's staff member with their clinic
    # 5. the note, scoped to what the user may see, with its joins (no addenda)
    # 6. SAVEPOINT (the service's transaction inside the test's; none in production)
    # 7. the note locked, with its template, clinic, session and patient
    # 8. auditlog's read of the row as it was  9. its change-log row  10. the UPDATE
    # 11. RELEASE SAVEPOINT  12. the request's audit row (backend/audit.py)
    # Before: 28 (the addenda, the row's session, template, author, clinic and patient
    # checked to exist again and its status constraints re-checked, the clinic and the
    # session and patient for the change log's name read again).
    with django_assert_num_queries(12):
        response = client.post(url, {"f_insights": "Integration went well."})
    assert response.status_code == 200, response.content
    assert response.json()["revision"] == 3
    note.refresh_from_db()
    assert note.content["insights"] == "Integration went well."
