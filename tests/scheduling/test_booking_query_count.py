"""Booking a session through the API and cancelling it read each row they need once: the
cost does not grow with the patient's history (10 earlier sessions cost what 100 do)."""

import datetime as dt

import pytest

from messaging.models import Reminder
from practice.models import Session
from tests.factories import SessionFactory
from tests.scheduling.conftest import local

pytestmark = pytest.mark.django_db


def book(client, cal, day):
    return client.post(
        "/api/v1/sessions/",
        {
            "patient": cal.people.patient.pk,
            "clinician": cal.people.therapist.pk,
            "kind": "integration",
            "starts_at": local(2027, 2, day, 10).isoformat(),
            "ends_at": local(2027, 2, day, 11).isoformat(),
        },
        format="json",
    )


@pytest.mark.parametrize("history", [10, 100])
def test_booking_and_cancelling_cost_the_same_however_long_the_history(
    cal, api_as, django_assert_num_queries, history
):
    for days in range(1, history + 1):
        earlier = local(2027, 1, 31, 10) - dt.timedelta(days=days)
        SessionFactory(
            patient=cal.people.patient,
            clinician=cal.people.therapist,
            kind="integration",
            starts_at=earlier,
            ends_at=earlier + dt.timedelta(hours=1),
            status="completed",
        )
    client = api_as(cal.people.admin)
    assert book(client, cal, 2).status_code == 201  # first-use reads outside the request's

    # 1. the API token with its user  2. the user's staff member with their clinic
    # 3. the patient, scoped, with their clinic  4. the clinician of the clinic, with it
    # 5. SAVEPOINT (the booking's transaction inside the test's; none in production)
    # 6-7. the clinician's and the patient's rows locked
    # 8. the clinician's working hours  9. their exceptions  10. the conflicting sessions
    # 11. SAVEPOINT of the guarded write (an exclusion violation becomes a 409)
    # 12-20. the session's three check constraints, each in a savepoint (Django's
    #        validation inside a transaction)  21. INSERT the session  22. its change log
    # 23. RELEASE  24. INSERT the booking  25. its change log
    # 26. the clinic's reminder rules  27. its quiet hours  28. the patient's settings
    # 29. cancel the kinds that do not apply  30. the clinical settings (fasting)
    # 31. the cancellation window  32. the patient's channels  33. lock the 48 h rows
    # 34. the clinic's templates  35. INSERT the 48 h reminder  36. lock the 2 h rows
    # 37. INSERT the 2 h reminder  38. RELEASE  39. the session as the answer shows it
    # 40. the request's audit row
    # Before: 62 (the clinic read twice, the session's dose, note, booking and four more
    # one-to-ones read for its change log, the patient, clinician and clinic checked to
    # exist again, a savepoint around the rules check, the reminder sync, each reminder
    # kind queued and the cancelling of the others).
    with django_assert_num_queries(40):
        booked = book(client, cal, 3)
    assert booked.status_code == 201, booked.json()
    session_id = booked.json()["id"]
    assert set(Reminder.objects.filter(session_id=session_id).values_list("kind", flat=True)) == {
        "session_48h",
        "session_2h",
    }

    # 1. the API token with its user  2. the user's staff member with their clinic
    # 3. the session, scoped, as the answer shows it  4. SAVEPOINT (as above)
    # 5. the session locked, with its clinic and patient  6. auditlog's read of the row
    # 7. its change log  8. UPDATE the session  9. its booking
    # 10. the cancellation window  11. auditlog's read of the booking  12. its change log
    # 13. UPDATE the booking  14. cancel the session's pending reminders in one UPDATE
    # 15. RELEASE  16. the session as the answer shows it  17. the request's audit row
    # Before: 23 (the patient and the clinic read again, savepoints around the reminder
    # sync and its cancelling).
    with django_assert_num_queries(17):
        cancelled = client.post(
            f"/api/v1/sessions/{session_id}/cancel/", {"reason": "x"}, format="json"
        )
    assert cancelled.status_code == 200, cancelled.json()
    assert cancelled.json()["status"] == "cancelled"
    assert Session.objects.get(pk=session_id).status == "cancelled"
    assert not Reminder.objects.filter(session_id=session_id, status="pending").exists()
