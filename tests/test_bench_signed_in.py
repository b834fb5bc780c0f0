"""The load test's signed-in baseline (bench/signed_in_wsgi.py) pays exactly what its report
says: a signed-in, second-factor-verified person gets "ok" and one audit row; anyone else
does not. The load test is not run by the suite, so this keeps its baseline honest."""

import pytest
from django.conf import settings

from backend.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in_urls():
    # Importing the module sets ROOT_URLCONF to itself; the test's settings fixture would
    # not undo that, so put it back by hand and route through the module explicitly.
    before = settings.ROOT_URLCONF
    import bench.signed_in_wsgi  # noqa: F401

    settings.ROOT_URLCONF = before
    return "bench.signed_in_wsgi"


def test_a_verified_admin_gets_ok_and_one_audit_row(people, web_as, settings, signed_in_urls):
    settings.ROOT_URLCONF = signed_in_urls
    client = web_as(people.admin)
    before = AuditEvent.objects.count()

    response = client.get("/bench/signed-in/")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert (event.actor_id, event.role, event.status_code) == (people.admin.user_id, "admin", 200)


def test_the_product_urls_still_answer_beside_it(people, web_as, settings, signed_in_urls):
    settings.ROOT_URLCONF = signed_in_urls
    assert web_as(people.admin).get("/today/").status_code == 200


def test_nobody_signed_in_gets_no_ok(client, settings, signed_in_urls):
    settings.ROOT_URLCONF = signed_in_urls
    response = client.get("/bench/signed-in/")
    assert response.status_code != 200
