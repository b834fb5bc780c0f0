"""Booking a session through the API and cancelling it read each row they need once: the
cost does not grow with the patient's history (10 earlier sessions cost what 100 do)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


@pytest.mark.parametrize("history", [10])
def test_dump(cal, api_as, history):
    client = api_as(cal.people.admin)
    assert book(client, cal, 2).status_code == 201
    with CaptureQueriesContext(connection) as q:
        r = book(client, cal, 3)
    assert r.status_code == 201, r.json()
    with CaptureQueriesContext(connection) as c:
        r2 = client.post(f"/api/v1/sessions/{r.json()['id']}/cancel/", {"reason": "x"}, format="json")
    assert r2.status_code == 200
    with open("/tmp/pw/book.sql", "w") as f:
        for x in q.captured_queries:
            f.write(x["sql"][:400] + "\n")
        f.write("=====CANCEL\n")
        for x in c.captured_queries:
            f.write(x["sql"][:400] + "\n")
    print(len(q.captured_queries), len(c.captured_queries))
