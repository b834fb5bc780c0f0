"""The patient page costs the same queries however long the patient's history is (10
sessions each side of now, read as such) and however often the record was viewed (the
access history is a page of its own)."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import DosingRecordFactory, SessionFactory
from tests.queries import queries_of

pytestmark = pytest.mark.django_db


def add_sessions(people, *, past: int, upcoming: int) -> None:
    """Sessions of the persona patient until they have `past` before now and `upcoming`
    after it, an hour apart going away from now; every third one a dose."""
    now = timezone.now().replace(microsecond=0)
    for count, sign in ((past, -1), (upcoming, 1)):
        existing = (
            people.patient.sessions.filter(starts_at__lt=now)
            if sign < 0
            else people.patient.sessions.filter(starts_at__gte=now)
        ).count()
        for n in range(existing, count):
            starts_at = now + sign * datetime.timedelta(hours=2 * n + 2)
            if n % 3 == 0:
                DosingRecordFactory(
                    session__patient=people.patient,
                    session__clinician=people.therapist,
                    session__starts_at=starts_at,
                    session__ends_at=starts_at + datetime.timedelta(minutes=50),
                    administered_at=starts_at if sign < 0 else None,
                )
            else:
                SessionFactory(
                    patient=people.patient,
                    clinician=people.therapist,
                    starts_at=starts_at,
                    ends_at=starts_at + datetime.timedelta(minutes=50),
                )


@pytest.mark.parametrize("who", ["admin", "therapist"])
def test_the_patient_page_costs_the_same_for_3_or_30_past_sessions(people, web_as, who):
    client = web_as(getattr(people, who))
    url = f"/patients/{people.patient.pk}/"
    counts = []
    for past in (3, 30):
        add_sessions(people, past=past, upcoming=past)
        queries_of(client, url)
        counts.append(len(queries_of(client, url)))
    assert counts[0] == counts[1]


def test_the_patient_page_lists_the_next_10_and_the_last_10_sessions(people, web_as):
    add_sessions(people, past=30, upcoming=30)
    now = timezone.now()
    sessions = people.patient.sessions.order_by("starts_at", "id")
    response = web_as(people.admin).get(f"/patients/{people.patient.pk}/")
    upcoming = response.context["upcoming_sessions"]
    past = response.context["past_sessions"]
    # Soonest first, then newest first: the 10 nearest to now on each side.
    assert [s.pk for s in upcoming] == [s.pk for s in sessions.filter(starts_at__gte=now)[:10]]
    assert [s.pk for s in past] == [
        s.pk for s in sessions.filter(starts_at__lt=now).order_by("-starts_at", "-id")[:10]
    ]
    page = response.content.decode()
    for session in [*upcoming, *past]:
        assert f'href="/sessions/{session.pk}/"' in page
    assert page.count(">No sessions.<") == 0
    assert "35 mg" in page
    assert people.therapist.display_name in page


def test_the_patient_page_reads_the_clinic_with_the_patient(people, web_as):
    # The page's day and time zone come from the patient's clinic: joined to the patient's
    # row, not read again by a query of its own.
    client = web_as(people.admin)
    url = f"/patients/{people.patient.pk}/"
    queries_of(client, url)
    queries = queries_of(client, url)
    clinic_reads = [q for q in queries if q.startswith("SELECT") and 'FROM "practice_clinic"' in q]
    assert clinic_reads == []


@pytest.mark.parametrize("who", ["admin", "therapist"])
def test_the_patient_page_costs_a_pinned_number_of_queries(people, web_as, who):
    client = web_as(getattr(people, who))
    url = f"/patients/{people.patient.pk}/"
    queries_of(client, url)
    assert len(queries_of(client, url)) == QUERIES_PATIENT_PAGE[who]


def test_the_access_history_adds_no_query_per_entry(people, web_as):
    client = web_as(people.admin)
    url = f"/patients/{people.patient.pk}/access/"
    queries_of(client, url)
    second = queries_of(client, url)
    for _ in range(10):
        queries_of(client, url)
    twelfth = queries_of(client, url)
    assert len(twelfth) == len(second)
    assert len(client.get(url).context["audit_trail"]) == 13


# The patient page as it stands, for the persona patient (who has a portal login):
#  1-4. the request: session, user, device, actor
#  5-7. the patient with its clinic, its diagnoses, its care team (staff joined)
#  8-9. the next 10 and the last 10 sessions (narrow rows: clinician and dose joined)
#  10. the measure responses (no answers: no dose times read for the charts)
#  11. the 5 newest screenings (the current one among them)
#  12. the plans, doses counted
#  13. the open alerts, 14. the 5 newest risk assessments (both also decide the risk hold)
#  15. the current safety plan
#  16. the consents with their templates, 17. the clinic's dosing consent versions (the
#      consent hold is decided from the consents already read)
#  18. the documents
#  19. the intake (a patient with a portal login needs no invitation read)
#  20. the progress notes panel
#  admin only: the care-team candidates (exists, then the options), and the billing
#  panel's six reads (charged, paid, payments and refunds, applied, to review, superbills)
#  21 (29 for an admin): the audit row.
# The access history (once 1 query, 50 rows) has its own page now.
QUERIES_PATIENT_PAGE = {"admin": 29, "therapist": 21}
