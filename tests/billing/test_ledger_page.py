"""The ledger page's pricing forms: a refused package is explained on its own form, and
every form field has an id of its own, so each label focuses its own input."""

import collections
import re

import pytest
from django.core.exceptions import ValidationError

from billing.models import Package
from billing.services import catalogue
from tests.billing.test_packages import retreat_for

pytestmark = pytest.mark.django_db


def test_a_refused_package_is_explained_on_its_form_with_what_was_typed_kept(codes, web_as):
    response = web_as(codes.admin).post(
        f"/billing/patients/{codes.patient.pk}/",
        {
            "action": "package",
            "name": "Integration bundle",
            "price": "450",
            "sessions_included": "3",
            "session_kind": "integration",
            "starts_on": "2026-10-10",
            "ends_on": "2026-10-01",
        },
    )
    assert response.status_code == 200  # the page again, not a redirect
    form = response.context["package_form"]
    assert form.errors["ends_on"] == ["The package ends before it starts: check its dates."]
    html = response.content.decode()
    assert "<details open><summary>Sell a prepaid package" in html
    assert 'value="Integration bundle"' in html
    assert html.count("The package ends before it starts") == 1  # not repeated as a flash
    assert not Package.objects.exists()


def test_no_two_fields_of_the_ledger_page_share_an_id(codes, web_as):
    retreat_for(codes)  # so the retreat package form is shown too
    html = web_as(codes.admin).get(f"/billing/patients/{codes.patient.pk}/").content.decode()
    ids = collections.Counter(re.findall(r'\bid="([^"]+)"', html))
    assert "id_retreat_price" in ids and "id_plan_note" in ids
    assert [i for i, n in ids.items() if n > 1] == []


PACKAGE_FORM = {
    "action": "package",
    "name": "Integration bundle",
    "price": "450",
    "sessions_included": "3",
    "session_kind": "integration",
    "starts_on": "2026-10-01",
    "ends_on": "2026-10-10",
}


def test_a_models_validation_on_a_ledger_form_is_shown_on_that_form_not_a_500(
    codes, web_as, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError({"price": ["Ensure this value is greater than or equal to 1."]})

    monkeypatch.setattr(catalogue, "package_create", refuse)
    response = web_as(codes.admin).post(f"/billing/patients/{codes.patient.pk}/", PACKAGE_FORM)
    assert response.status_code == 200
    form = response.context["package_form"]
    assert form.errors["price"] == ["Ensure this value is greater than or equal to 1."]
    assert not Package.objects.exists()


def test_a_models_validation_naming_no_field_is_a_message_after_the_redirect(
    codes, web_as, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError("This package overlaps another.")

    monkeypatch.setattr(catalogue, "package_create", refuse)
    response = web_as(codes.admin).post(
        f"/billing/patients/{codes.patient.pk}/", PACKAGE_FORM, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][1] == 302
    assert [str(m) for m in response.context["messages"]] == ["This package overlaps another."]
    assert not Package.objects.exists()
