"""A new patient's intake on a phone (390×844): the clinic invites her from her page, she
opens the emailed link, chooses a password, completes every step and submits, signs her
consents with a finger and photographs her insurance card; then medical staff review her
health answers. Every page passes axe and fits the phone's width."""

import datetime

import pytest
from playwright.sync_api import expect

from practice.choices import DOSING_CONSENT_KINDS, ConsentKind
from practice.models import PatientDocument
from practice.selectors import consents_missing
from tests.e2e.conftest import make_login, new_page
from tests.e2e.test_consent_signing import draw
from tests.factories import consent_template
from tests.practice.documents import image

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a long and careful passphrase"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


def fits(page):
    width, inner = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= inner <= 390, f"{page.url} is {width}px wide"


def test_a_new_patient_completes_her_intake_and_medical_staff_review_it(
    people, phone, phone_login, browser, live_server, request, tmp_path
):
    from messaging.models import Reminder
    from practice.models import CareTeam
    from practice.services.screening import clinic_clinical_setup
    from tests.factories import PatientFactory

    clinic_clinical_setup(clinic=people.clinic)
    kap = consent_template(people.clinic, ConsentKind.KAP_INFORMED_CONSENT)
    agreement = consent_template(people.clinic, ConsentKind.CONTROLLED_SUBSTANCE_AGREEMENT)
    nina = PatientFactory(
        clinic=people.clinic, legal_first_name="Nina", legal_last_name="Newcomer",
        email="nina@example.com", escort_name="", escort_phone="",
    )  # fmt: skip
    CareTeam.objects.create(patient=nina, staff=people.medical)

    # The clinic admin invites her from her page.
    phone_login("alice")
    phone.goto(f"/patients/{nina.pk}/")
    phone.get_by_test_id("invite-patient").click()
    assert "Invitation sent" in phone.locator(".messages").inner_text()
    fits(phone)
    email = Reminder.objects.get(kind="portal_invitation")
    link = next(w for w in email.body_text.split() if "/invite/" in w)
    path = link.split("127.0.0.1:8000", 1)[-1] if "127.0.0.1:8000" in link else link

    # She opens the link on her phone and chooses a password.
    she = new_page(browser, live_server, request, **PHONE)
    she.goto(path)
    assert she.get_by_test_id("invite-username").inner_text() == "nina@example.com"
    fits(she)
    she.fill("#id_password1", PASSWORD)
    she.fill("#id_password2", PASSWORD)
    she.click("main button[type=submit]")
    she.wait_for_url("**/portal/intake/")
    assert she.get_by_test_id("intake-progress").inner_text() == "0 of 5 steps done"
    fits(she)

    # The steps, in an order of her choosing.
    she.get_by_label("Start: Emergency contact and escort").click()
    she.fill("#id_emergency_contact_name", "Omar Newcomer")
    she.fill("#id_emergency_contact_relationship", "Brother")
    she.fill("#id_emergency_contact_phone", "(303) 555-0111")
    she.fill("#id_escort_name", "Omar Newcomer")
    she.fill("#id_escort_phone", "(303) 555-0111")
    fits(she)
    she.click("main button[type=submit]")
    assert she.get_by_test_id("intake-progress").inner_text() == "1 of 5 steps done"

    she.get_by_label("Start: About you").click()
    she.fill("#id_preferred_name", "Nina")
    she.click("main button[type=submit]")

    she.get_by_label("Start: Insurance").click()
    she.fill("#id_insurance_payer", "Aetna")
    she.fill("#id_insurance_member_id", "W12345")
    she.select_option("#id_insured_relationship", "spouse")
    she.click("main button[type=submit]")
    # Someone else's plan: the insured's name and date of birth are asked for.
    assert she.locator(".errorlist").count() >= 2
    fits(she)
    she.fill("#id_insured_name", "Lee Newcomer")
    she.fill("#id_insured_date_of_birth", datetime.date(1988, 2, 2).isoformat())
    she.click("main button[type=submit]")
    she.wait_for_url("**/portal/intake/")

    she.get_by_label("Start: Medications and allergies").click()
    she.fill("#id_medications", "Sertraline 50 mg daily")
    she.fill("#id_allergies", "Penicillin")
    she.click("main button[type=submit]")

    she.get_by_label("Start: Health questions").click()
    assert she.get_by_text("Are you pregnant").is_visible()
    fits(she)
    for fieldset in she.locator("fieldset").all():
        question = fieldset.locator("legend").inner_text()
        fieldset.get_by_label(
            "Yes" if question.startswith("Are you pregnant") else "No", exact=True
        ).check()
    she.fill("fieldset:has-text('Are you pregnant') input[type=text]", "12 weeks")
    she.click("main button[type=submit]")
    assert she.get_by_test_id("intake-progress").inner_text() == "5 of 5 steps done"

    she.click("text=Submit my intake")
    assert she.get_by_test_id("intake-submitted").is_visible()
    fits(she)

    # Before her first dose: both consents, signed with a finger on the pad.
    she.get_by_test_id("intake-consents").click()
    for template in (kap, agreement):
        she.get_by_role("link", name=f"Read and sign the {template.title}").click()
        expect(she.locator(".consent-text")).to_contain_text("Nina Newcomer")
        she.get_by_label("Type your full name").fill("Nina Newcomer")
        she.locator("#signature-pad").scroll_into_view_if_needed()
        draw(she, she.locator("#signature-pad"))
        she.get_by_role("button", name="Sign", exact=True).click()
        expect(she.locator(".messages")).to_contain_text("Signed.")
        fits(she)
    assert consents_missing(patient=nina, kinds=DOSING_CONSENT_KINDS) == []

    # Her insurance card, photographed: the intake's link preselects the kind.
    she.goto("/portal/intake/")
    she.get_by_test_id("intake-documents").click()
    assert she.get_by_label("What is it?").input_value() == "insurance_card_front"
    card = tmp_path / "IMG_0107.png"
    card.write_bytes(image("PNG"))
    she.get_by_label("File").set_input_files(str(card))
    she.get_by_role("button", name="Upload").click()
    expect(she.locator("#my-documents")).to_contain_text("IMG_0107.png")
    fits(she)
    assert PatientDocument.objects.get(patient=nina).kind == "insurance_card_front"

    # Medical staff review her answers: "yes" stands out; reviewing clears nobody.
    medic = new_page(browser, live_server, request, **PHONE)
    make_login(medic)("dana")
    medic.goto("/intake/")
    fits(medic)
    medic.click("text=Newcomer, Nina")
    assert medic.get_by_test_id("intake-attention").inner_text() == "1 to look at"
    fits(medic)
    medic.get_by_test_id("intake-mark-reviewed").click()
    assert medic.get_by_test_id("intake-reviewed").is_visible()
    medic.get_by_test_id("intake-start-screening").click()
    assert medic.get_by_test_id("screening-prefilled").is_visible()
    assert "Sertraline" in medic.input_value("#id_medications")
