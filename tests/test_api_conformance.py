"""The API does what its OpenAPI schema says: no server error, every response as described.

schemathesis generates requests from the schema (bounded: a few derandomized examples per
operation, the explicit examples and generated ones, no stateful runs) and checks each
answer. The schema is fetched signed in as the clinic admin (it may be staff-only), and the
requests carry the admin's credentials from the `api_as` fixture.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from backend.wsgi import application
from tests.personas import make_personas

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skip(reason="unfinished: not run yet against the schema"),
]

CHECKS = [schemathesis.checks.not_a_server_error, response_schema_conformance,
          content_type_conformance]  # fmt: skip


@pytest.fixture
def world(db):
    return make_personas()


@pytest.fixture
def api_schema(world, web_as):
    response = web_as(world.admin).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = schemathesis.openapi.from_dict(response.json())
    schema.app = application  # requests go to the WSGI application, as from_wsgi does
    schema.location = "/api/schema/"
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_schema_says(case, world, api_as):
    admin = api_as(world.admin)
    # The credentials the fixture gave its client, sent as a header.
    headers = {"Authorization": admin._credentials["HTTP_AUTHORIZATION"]}
    case.call_and_validate(headers=headers, checks=CHECKS)
