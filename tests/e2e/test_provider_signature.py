"""In a phone's browser, a therapist reaches their superbill signature from the security
page and draws it with a finger; an empty pad is refused. axe checks every page."""

import re

import pytest
from playwright.sync_api import expect

from practice.models import ProviderSignature
from tests.e2e.test_consent_signing import draw

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_therapist_draws_their_superbill_signature_on_a_phone(people, phone, phone_login):
    before = ProviderSignature.objects.get(staff_member=people.therapist, replaced_at=None)
    phone_login("bob")
    phone.goto("/account/security/")
    phone.get_by_role("link", name="Draw or upload your signature").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Signature on superbills")
    expect(phone.get_by_alt_text(re.compile("signature on file"))).to_be_visible()

    phone.get_by_role("button", name="Save the signature").click()
    expect(phone.get_by_role("alert")).to_contain_text(re.compile("draw", re.I))

    phone.locator("#signature-pad").scroll_into_view_if_needed()
    draw(phone, phone.locator("#signature-pad"))
    phone.get_by_role("button", name="Save the signature").click()
    expect(phone.locator(".messages")).to_contain_text("The signature is on file")
    current = ProviderSignature.objects.get(staff_member=people.therapist, replaced_at=None)
    assert current.pk != before.pk and current.source == "drawn"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
