"""Logs carry no PHI and no secrets (backend/logging.py, deploy/gunicorn.conf.py).

A sentinel patient and sentinel tokens go through the paths that log: an unhandled
database error (PostgreSQL writes the whole failing row into its message), 404s and 400s
on token URLs, a feed fetch. Everything logged, at DEBUG, through every handler, must be
free of them.
"""

import datetime
import io
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.urls import path

from backend.logging import REDACTED, RedactFilter, redact
from backend.urls import urlpatterns as site_urls
from practice.models import Patient
from scheduling.services.feeds import calendar_feed_issue
from tests.factories import PatientFactory
from tests.otp import sign_in

ROOT = Path(__file__).resolve().parent.parent
FIRST, LAST = "Zyxwv", "Sentinel"
TOKEN_SENTINEL = "tok3nSent1nelQq"


# --- the redaction function --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'null value in column "date_of_birth" of relation "practice_patient" violates '
            "not-null constraint\nDETAIL:  Failing row contains (7, Zyxwv, Sentinel, null, U).",
            'null value in column "date_of_birth" of relation "practice_patient" violates '
            f"not-null constraint\nDETAIL:  Failing row contains ({REDACTED})",
        ),
        (
            "DETAIL:  Key (email)=(zyxwv@example.org) already exists.",
            f"DETAIL:  Key (email)=({REDACTED})",
        ),
        (
            "DETAIL:  Key (lower(email::text))=(zyxwv@example.org) already exists.",
            f"DETAIL:  Key (lower(email::text))=({REDACTED})",
        ),
        (
            'GET /calendar/feed/abc-DEF_123.ics HTTP/1.1" 200',
            f'GET /calendar/feed/{REDACTED}.ics HTTP/1.1" 200',
        ),
        ("Bad Request: /r/eyJzIjo0fQ:1v:abc/", f"Bad Request: /r/{REDACTED}/"),
        ("Bad Request: /invite/Qx7_secret-Token/", f"Bad Request: /invite/{REDACTED}/"),
        (
            "/api/v1/x/?page=2&token=s3cret&access_token=a1&password=hunter2&api_key=k&q=ok",
            f"/api/v1/x/?page=2&token={REDACTED}&access_token={REDACTED}"
            f"&password={REDACTED}&api_key={REDACTED}&q={REDACTED}",
        ),
        (
            'GET /patients/search/?q=Erin+Pat HTTP/1.1" 200',
            f'GET /patients/search/?q={REDACTED} HTTP/1.1" 200',
        ),
        ("/api/v1/patients/?search=Erin&sex=F", f"/api/v1/patients/?search={REDACTED}&sex=F"),
        ("/notes/?status=signed&q=panic", f"/notes/?status=signed&q={REDACTED}"),
        ("Not Found: /patients/999/", "Not Found: /patients/999/"),
        ("status_code=500 author=me", "status_code=500 author=me"),
    ],
)
def test_redact_removes_row_values_tokens_and_secrets(text, expected):
    assert redact(text) == expected


def test_the_filter_redacts_message_arguments_and_traceback_in_place():
    try:
        raise ValueError("DETAIL:  Failing row contains (7, Zyxwv, Sentinel).")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "Not Found: %s", ("/calendar/feed/abc.ics",), None
        )
        import sys

        record.exc_info = sys.exc_info()
    assert RedactFilter().filter(record) is True
    text = logging.Formatter().format(record)
    assert "Zyxwv" not in text and "abc.ics" not in text
    assert f"/calendar/feed/{REDACTED}.ics" in text and "Failing row contains" in text


def test_the_gunicorn_access_log_redacts_the_request_line_path_query_and_referer():
    from gunicorn.config import Config

    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    logger = config["logger_class"](Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/calendar/feed/{TOKEN_SENTINEL}.ics?token={TOKEN_SENTINEL}",
        "PATH_INFO": f"/calendar/feed/{TOKEN_SENTINEL}.ics",
        "QUERY_STRING": f"token={TOKEN_SENTINEL}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://clinic.example.org/r/{TOKEN_SENTINEL}/",
        "REMOTE_ADDR": "10.0.0.2",
        "HTTP_USER_AGENT": "calendar-client",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(0))
    line = config["access_log_format"] % atoms
    assert TOKEN_SENTINEL not in line
    assert f'"GET /calendar/feed/{REDACTED}.ics?token={REDACTED} HTTP/1.1" 200' in line
    for name in ("U", "q", "f"):
        assert TOKEN_SENTINEL not in atoms[name]


# --- the sentinel --------------------------------------------------------------------------


def break_the_sentinel_row(request, pk):
    # An unhandled database error in a request: a NOT NULL violation, whose PostgreSQL
    # message holds the whole row (the patient's names among it).
    Patient.objects.filter(pk=pk).update(date_of_birth=None)


urlpatterns = [path("test-only/break/<int:pk>/", break_the_sentinel_row), *site_urls]


@pytest.fixture
def everything_logged(caplog):
    """Every logger at DEBUG into caplog, and the console handler's own output."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        # SQL with its parameters is logged only with DEBUG=True (`make run`), and the
        # settings keep django.db.backends at WARNING there; a test process never has it.
        if not name.startswith("django.db.backends"):
            caplog.set_level(logging.DEBUG, logger=name)
    console = next(
        handler
        for handler in logging.root.handlers
        if any(isinstance(f, RedactFilter) for f in handler.filters)
    )
    output = io.StringIO()
    previous = console.setStream(output)
    yield SimpleNamespace(caplog=caplog, console=output)
    console.setStream(previous)


@pytest.mark.urls("tests.test_log_redaction")
@pytest.mark.django_db(transaction=True)
def test_no_sentinel_reaches_any_log(people, everything_logged, api_as):
    sentinel = PatientFactory(
        clinic=people.clinic, legal_first_name=FIRST, legal_last_name=LAST, email="zyxwv@x.org"
    )
    feed = calendar_feed_issue(patient=people.patient)
    client = Client(raise_request_exception=False)
    sign_in(client, people.admin.user)

    assert client.get(f"/test-only/break/{sentinel.pk}/").status_code == 500
    assert client.get(f"/calendar/feed/{TOKEN_SENTINEL}.ics").status_code == 404
    assert client.get(f"/r/{TOKEN_SENTINEL}/").status_code == 400
    assert client.get(f"/calendar/feed/{feed.token}.ics").status_code == 200
    assert client.get(f"/patients/{sentinel.pk + 1000}/?token={TOKEN_SENTINEL}").status_code == 404
    assert api_as(people.patient).get(f"/api/v1/patients/{sentinel.pk}/").status_code in (403, 404)
    assert Client().get(f"/api/v1/patients/?password={TOKEN_SENTINEL}").status_code == 401

    logged = everything_logged.caplog.text + everything_logged.console.getvalue()
    # The paths that log did log (so the test sees something to search).
    assert "Internal Server Error" in everything_logged.console.getvalue()
    assert "Not Found: /calendar/feed/" in logged
    if connection.vendor == "postgresql":
        assert "Failing row contains" in logged
    for secret in (FIRST, "zyxwv@x.org", TOKEN_SENTINEL, feed.token):
        assert secret not in logged, secret
