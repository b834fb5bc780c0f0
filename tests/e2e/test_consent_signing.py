"""In a phone's browser, the patient reads a consent and signs it with a finger on the
signature pad; an empty pad is refused and nothing is stored. Then staff see it on the
patient page with the hash verified. axe checks every page on the way."""

import re

import pytest
from playwright.sync_api import expect

from practice.choices import ConsentKind
from practice.models import Consent
from tests.factories import consent_template

pytestmark = pytest.mark.django_db(transaction=True)


def pad_ready(page):
    """The deferred pad script has run: until then a stroke or the typed-name button does
    nothing, and a test that is quicker than the script signs with an empty pad."""
    expect(page.locator("#sign-form[data-pad=ready]")).to_be_attached()


def draw(phone, canvas):
    """A signature stroke with a finger (touch input drives pointer events)."""
    pad_ready(phone)
    box = canvas.bounding_box()
    x, y = box["x"], box["y"] + box["height"] / 2
    phone.mouse.move(x + 20, y)
    phone.mouse.down()
    for step in range(1, 12):
        phone.mouse.move(x + 20 + step * 25, y + (12 if step % 2 else -12))
    phone.mouse.up()


def test_the_patient_signs_on_a_phone_and_an_empty_pad_is_refused(people, phone, phone_login):
    template = consent_template(people.clinic, ConsentKind.KAP_INFORMED_CONSENT)
    phone_login("erin")
    phone.goto("/portal/consents/")
    phone.get_by_role("link", name=f"Read and sign the {template.title}").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(template.title)
    expect(phone.locator(".consent-text")).to_contain_text("Erin Patient")

    phone.get_by_label("Type your full name").fill("Erin Patient")
    phone.get_by_role("button", name="Sign", exact=True).click()
    expect(phone.get_by_role("alert")).to_contain_text(re.compile("draw your signature", re.I))
    assert not Consent.objects.exists()

    canvas = phone.locator("#signature-pad")
    draw(phone, canvas)
    phone.get_by_role("button", name="Clear").click()
    phone.get_by_role("button", name="Sign", exact=True).click()
    expect(phone.get_by_role("alert")).to_contain_text(re.compile("draw your signature", re.I))
    assert not Consent.objects.exists()

    phone.locator("#signature-pad").scroll_into_view_if_needed()
    draw(phone, phone.locator("#signature-pad"))
    phone.get_by_role("button", name="Sign", exact=True).click()
    expect(phone.locator(".messages")).to_contain_text("Signed.")
    consent = Consent.objects.get()
    assert consent.signed_name == "Erin Patient"
    assert bytes(consent.signature_png).startswith(b"\x89PNG")
    expect(phone.locator("#signed")).to_contain_text(template.title)
    # Nothing on the page is wider than the phone.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_a_keyboard_user_signs_with_the_typed_name(people, page, login):
    consent_template(people.clinic, ConsentKind.TELEHEALTH)
    login("erin")
    page.goto("/portal/consents/")
    page.get_by_role("link", name="Read and sign").first.click()
    page.get_by_label("Type your full name").fill("Erin Patient")
    pad_ready(page)
    page.get_by_role("button", name="Sign with my typed name").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Sign", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Signed.")
    consent = Consent.objects.get()
    page.get_by_role("button", name="Sign out").click()
    login("dana")
    page.goto(f"/consents/{consent.pk}/")
    expect(page.locator("[data-hash=verified]")).to_contain_text("Hash verified")
