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
    assert len(queries) <= QUERIES_PATIENT_PAGE_ADMIN


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


# An admin's patient page as it stands (session, user, device, actor, patient with its
# clinic, diagnoses, care team, the clinical context, the panels, the audit row); one less
# since the clinic is joined to the patient, one less since the questionnaires due take the
# open plan from the page's list of plans, one less since the balance reads payments and
# their refunds together.
QUERIES_PATIENT_PAGE_ADMIN = 35
