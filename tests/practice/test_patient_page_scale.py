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
