"""`python -m bench profile` signs in each person of the load test's mix through the test
client and every request of the mix answers what the locustfile expects: the profile
measures the real pages, not login redirects or refusals."""

import io

import pytest
from django.core.management import call_command

from bench import load
from bench.profile import QueryMeter, requests_of_the_mix, signed_in_client

pytestmark = pytest.mark.django_db

LOCUST_TASKS = {
    # bench/locustfile.py's tasks, by the name the profile gives each request.
    "admin today", "admin week", "admin patient", "admin sessions api", "admin book+cancel",
    "therapist today", "therapist week", "therapist patient", "therapist sessions api",
    "therapist autosave", "patient portal", "patient preferences",
}  # fmt: skip


def test_every_request_of_the_mix_answers_as_the_locustfile_expects(settings):
    from django.db import connection

    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    call_command("seed_demo", stdout=io.StringIO())
    config = load.prepare(users=1)
    clients = {
        persona: signed_in_client(
            config[role][0]["username"],
            password=config["password"],
            totp_secret=config["totp_secret"],
        )
        for persona, role in (
            ("admin", "admins"),
            ("therapist", "therapists"),
            ("patient", "patients"),
        )
    }
    requests = requests_of_the_mix(config)
    assert {name for name, _, _ in requests} == LOCUST_TASKS
    for name, persona, call in requests:
        meter = QueryMeter()
        with connection.execute_wrapper(meter):
            call(clients[persona])  # raises on a status the locustfile would count as failed
        assert meter.count > 0, name
