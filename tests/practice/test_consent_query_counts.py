"""The consent list (API) and the portal's consents page cost the same for 2 consents as
for 8."""

import pytest

from practice.choices import ConsentKind
from practice.models import Consent
from tests.factories import consent_template, consents_signed

pytestmark = pytest.mark.django_db


def add_versions(people, count):
    """`count` signed consents of Erin's: each a new KAP version she signed, countersigned,
    so a per-row query for the template or the countersigner would show."""
    for number in range(count):
        consent_template(people.clinic, ConsentKind.KAP_INFORMED_CONSENT, title=f"KAP v{number}")
        (consent,) = consents_signed(people.patient, [ConsentKind.KAP_INFORMED_CONSENT])
        Consent.objects.filter(pk=consent.pk).update(
            countersigned_by=people.medical, countersigned_at=consent.signed_at
        )


@pytest.mark.parametrize("count", [2, 8])
def test_the_consent_list_api_uses_a_constant_number_of_queries(
    people, api_as, django_assert_num_queries, count
):
    add_versions(people, count)
    client = api_as(people.patient)
    # 1. the token and its user
    # 2. the user's staff record (none: the role is resolved staff first)
    # 3. the user's patient record (their role and clinic)
    # 4. COUNT(*) of the visible consents (pagination)
    # 5. the page of consents with their template and countersigner (joined)
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(6):
        response = client.get("/api/v1/consents/")
    assert response.status_code == 200
    assert response.json()["count"] == count
    assert all(row["hash_verified"] for row in response.json()["results"])


@pytest.mark.parametrize("count", [2, 8])
def test_the_portal_consents_page_uses_a_constant_number_of_queries(
    people, web_as, django_assert_num_queries, count
):
    add_versions(people, count)
    client = web_as(people.patient)
    # 1. the session
    # 2. the session's user
    # 3. the user's staff record (none: the role is resolved staff first)
    # 4. the user's patient record (their role and clinic)
    # 5. the patient with the clinic
    # 6. the clinic's published templates
    # 7. their versions (the consent gate)
    # 8. the patient's unrevoked consents of those kinds (the consent gate)
    # 9. the patient's consents with template and countersigner (joined)
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(10):
        response = client.get("/portal/consents/")
    assert response.status_code == 200
    assert len(response.context["signed"]) == count
