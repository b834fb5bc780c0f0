"""Counting a request's queries, for the tests that prove a page's cost does not grow with
the data behind it (10 items and 100 must cost the same)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of(client, url, data=None) -> list[str]:
    """The SQL of one GET of `url` (the response must be a 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data or {})
    assert response.status_code == 200, response.status_code
    return [q["sql"] for q in captured.captured_queries]
