"""API pagination: the client chooses `page_size` up to 100; the long lists are keyset pages
with an id tiebreak (every row exactly once, even when many share a start time) and no
COUNT(*), at a cost that does not grow with the list."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practice.models import Patient, Session
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def _sessions(people, count, *, same_time_every=3):
    """`count` more sessions, three at a time sharing a start (the tiebreak must hold): an
    integration circle, one booking of three patients (nobody double-booked)."""
    start = datetime.datetime(2030, 1, 7, 16, tzinfo=datetime.UTC)
    patients = [people.patient, people.other_patient, _third_patient(people)]
    first = Session.objects.count()
    rows = []
    for n in range(first, first + count):
        group = n // same_time_every
        rows.append(
            Session(
                clinic=people.clinic,
                patient=patients[n % same_time_every],
                clinician=people.therapist,
                kind="integration",
                booking_key=uuid.uuid5(uuid.NAMESPACE_OID, f"circle-{group}"),
                starts_at=start + datetime.timedelta(hours=group),
                ends_at=start + datetime.timedelta(hours=group, minutes=50),
            )
        )
    Session.objects.bulk_create(rows)


def _third_patient(people):
    found = Patient.objects.filter(clinic=people.clinic, legal_first_name="Third").first()
    return found or PatientFactory(clinic=people.clinic, legal_first_name="Third")


def test_the_client_chooses_the_page_size_up_to_a_hundred(people, api_as):
    Patient.objects.bulk_create(PatientFactory.build(clinic=people.clinic) for _ in range(120))
    client = api_as(people.admin)
    assert len(client.get("/api/v1/patients/", {"page_size": 7}).json()["results"]) == 7
    assert len(client.get("/api/v1/patients/").json()["results"]) == 25
    capped = client.get("/api/v1/patients/", {"page_size": 500}).json()
    assert len(capped["results"]) == 100
    assert capped["count"] == Patient.objects.filter(clinic=people.clinic).count()


def test_keyset_pages_return_every_session_once_in_order(people, api_as):
    _sessions(people, 31)
    client = api_as(people.admin)
    seen, url, pages = [], "/api/v1/sessions/?page_size=4", 0
    while url:
        body = client.get(url).json()
        assert "count" not in body
        seen += [(row["starts_at"], row["id"]) for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 8
    assert [pk for _, pk in seen] == list(
        Session.objects.order_by("starts_at", "id").values_list("id", flat=True)
    )
    assert len(set(seen)) == 31


def test_a_keyset_page_is_stable_when_rows_are_added_before_it(people, api_as):
    _sessions(people, 12)
    client = api_as(people.admin)
    first = client.get("/api/v1/sessions/", {"page_size": 5}).json()
    earlier = datetime.datetime(2030, 1, 6, 16, tzinfo=datetime.UTC)
    Session.objects.create(
        clinic=people.clinic,
        patient=people.patient,
        clinician=people.therapist,
        kind="integration",
        starts_at=earlier,
        ends_at=earlier + datetime.timedelta(minutes=50),
    )
    second = client.get(first["next"]).json()
    expected = list(Session.objects.order_by("starts_at", "id").values_list("id", flat=True))
    # The new session sorts first; the second page still starts right after the first.
    assert [r["id"] for r in second["results"]] == expected[6:11]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/sessions/",
        "/api/v1/notes/",
        "/api/v1/charges/",
        "/api/v1/reminders/",
        "/api/v1/controlled/entries/",
    ],
)
def test_the_long_lists_are_keyset_pages_without_a_count(people, api_as, url):
    client = api_as(people.admin)
    with CaptureQueriesContext(connection) as captured:
        body = client.get(url, {"page_size": 100}).json()
    assert set(body) == {"next", "previous", "results"}
    # A paginator's count is `SELECT COUNT(*) AS "__count" FROM …` (Django's Query.get_count).
    assert not any('"__count"' in q["sql"] for q in captured.captured_queries)


def test_the_session_list_costs_the_same_queries_for_10_or_100_sessions(people, api_as):
    client = api_as(people.admin)
    counts = []
    for total in (10, 100):
        _sessions(people, total - Session.objects.count())
        with CaptureQueriesContext(connection) as captured:
            body = client.get("/api/v1/sessions/", {"page_size": 100}).json()
        assert len(body["results"]) == total
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_the_schema_describes_page_size_and_cursor(people, web_as):
    schema = web_as(people.admin).get("/api/schema/", {"format": "json"}).json()
    sessions = schema["paths"]["/api/v1/sessions/"]["get"]
    names = {p["name"] for p in sessions["parameters"]}
    assert {"cursor", "page_size"} <= names
    patients = schema["paths"]["/api/v1/patients/"]["get"]
    assert {"page", "page_size"} <= {p["name"] for p in patients["parameters"]}


def test_a_numbered_list_still_counts(people, api_as):
    # The check above can fail: a page-number list's COUNT(*) is seen by it.
    with CaptureQueriesContext(connection) as captured:
        body = api_as(people.admin).get("/api/v1/patients/").json()
    assert body["count"] == 2
    assert any('"__count"' in q["sql"] for q in captured.captured_queries)
