"""The patient page costs the same queries however often it was viewed (its audit trail
joins the actor once, no query per entry) and however many sessions the patient has."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import SessionFactory
from tests.queries import queries_of

pytestmark = pytest.mark.django_db


def test_the_audit_trail_adds_no_query_per_entry(people, web_as):
    client = web_as(people.admin)
    url = f"/patients/{people.patient.pk}/"
    queries_of(client, url)
    second = queries_of(client, url)
    for _ in range(10):
        queries_of(client, url)
    twelfth = queries_of(client, url)
    assert len(twelfth) == len(second)
    assert len(client.get(url).context["audit_trail"]) == 13


def test_the_patient_page_costs_the_same_for_10_or_100_sessions(people, web_as):
    client = web_as(people.admin)
    url = f"/patients/{people.patient.pk}/"
    counts = []
    for total in (10, 100):
        while (n := people.patient.sessions.count()) < total:
            starts_at = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=2 * n)
            SessionFactory(
                patient=people.patient,
                clinician=people.therapist,
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(minutes=50),
            )
        queries_of(client, url)
        counts.append(len(queries_of(client, url)))
    assert counts[0] == counts[1]


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


# An admin's patient page as it stands (session, user, device, actor, patient with its
# clinic, diagnoses, care team, the clinical context, the panels, the audit trail, the
# audit row); one less since the clinic is joined to the patient, one less since the
# questionnaires due take the open plan from the page's list of plans, one less since the
# balance reads payments and their refunds together.
QUERIES_PATIENT_PAGE_ADMIN = 35
