"""Every id a request body or query names is a whole number in the database's range
(backend.api.IdField): an id beyond 2^63 is a 400 that changes nothing, never a 500 (SQLite
raises on such a number instead of finding nothing)."""

import pytest

from billing.models import Charge, Payment, Superbill
from integration_notes.models import Note
from practice.models import CareTeam

HUGE = 2**63
NEGATIVE = -(2**70)


@pytest.mark.parametrize("bad", [HUGE, NEGATIVE, 0])
@pytest.mark.parametrize(
    ("who", "method", "path", "body"),
    [
        ("admin", "post", "/api/v1/charges/", lambda p, bad: {"patient": bad, "code": "90837"}),
        ("admin", "post", "/api/v1/payments/", lambda p, bad: {"patient": bad, "amount": "10.00"}),
        ("admin", "post", "/api/v1/superbills/", lambda p, bad: {"patient": bad}),
        (
            "admin",
            "post",
            "/api/v1/superbills/",
            lambda p, bad: {"patient": p.patient.pk, "charge_ids": [bad]},
        ),
        ("therapist", "post", "/api/v1/notes/", lambda p, bad: {"session": bad, "template": 1}),
        (
            "admin",
            "post",
            "/api/v1/patients/{patient}/care-team/",
            lambda p, bad: {"staff_id": bad},
        ),
        (
            "admin",
            "get",
            "/api/v1/sessions/free-slots/",
            lambda p, bad: {"minutes": 60, "clinician": bad},
        ),
    ],
)
def test_an_id_out_of_range_is_a_400_and_changes_nothing(
    people, api_as, who, method, path, body, bad
):
    counts = lambda: [  # noqa: E731
        model.objects.count() for model in (Charge, Payment, Superbill, Note, CareTeam)
    ]
    before = counts()
    client = api_as(getattr(people, who))
    url = path.format(patient=people.patient.pk)
    data = body(people, bad)
    answer = client.post(url, data, format="json") if method == "post" else client.get(url, data)

    assert answer.status_code == 400, answer.content
    assert counts() == before
