"""In the browser, the pre-dose gate refuses a dose for a low SpO2 (and, in the same
refusal, for a dose out of range); the nurse re-takes the SpO2, the prescriber overrides the
dose with a reason, and the record shows the override."""

import pytest
from playwright.sync_api import expect

from practice.models import DosingRecord
from tests.factories import ProductFactory, RegistrationFactory, receive_lot
from tests.practice.clinical import cleared_with_plan, dosing_session

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lot(people):
    RegistrationFactory(clinic=people.clinic)
    product = ProductFactory(clinic=people.clinic, name="Ketamine 50 mg/mL, 10 mL vial")
    return receive_lot(product=product, received_by=people.medical, lot_number="K3301")


def test_a_dose_refused_for_spo2_is_then_given_with_an_override(people, lot, page, login):
    session = dosing_session(people, cleared_with_plan(people))  # IM, 0.5 mg/kg, checked in
    login("dana")
    page.goto(f"/sessions/{session.pk}/")
    override = page.get_by_label("Override: give this dose outside the limits")
    expect(override).to_have_count(0)

    page.get_by_label("Escort / driver confirmed").check()
    page.get_by_label("Fasted at least 4 hours").check()
    page.get_by_label("Pre-dose systolic").fill("126")
    page.get_by_label("Pre-dose diastolic").fill("80")
    page.get_by_label("Pre-dose heart rate").fill("72")
    page.get_by_label("Pre-dose SpO2 %").fill("89")
    page.get_by_label("Weight (kg)").fill("70.0")
    page.get_by_label("Dose (mg)").fill("105")  # 1.5 mg/kg: three times the plan's dose
    lots = page.get_by_label("Lot drawn from")
    lots.select_option(label=lots.locator("option", has_text="lot K3301").text_content())
    page.get_by_role("button", name="Record dose").click()

    messages = page.locator(".messages")
    expect(messages).to_contain_text("Dosing refused:")
    expect(messages).to_contain_text("Pre-dose SpO2 89% is below the clinic's limit (94%).")
    expect(messages).to_contain_text("more than 25 % off the plan's starting dose (0.5 mg/kg)")
    expect(override).to_be_visible()
    assert not DosingRecord.objects.exists()

    # SpO2 re-taken after a few deep breaths; the override answers the dose, not the SpO2.
    page.get_by_label("Pre-dose SpO2 %").fill("97")
    override.check()
    page.get_by_label("Reason for the override").fill(
        "Two doses at 0.5 mg/kg without response; stepping to 1.5 mg/kg as planned."
    )
    page.get_by_role("button", name="Record dose").click()
    expect(messages).to_contain_text("Dose recorded.")
    record_card = page.locator("#dosing")
    expect(record_card.get_by_test_id("dose-override")).to_contain_text(
        "by Dana Medic, MD: Two doses at 0.5 mg/kg without response"
    )

    record = DosingRecord.objects.get()
    assert (record.predose_spo2, str(record.dose_mg_per_kg)) == (97, "1.500")
    assert record.dose_override_by == people.medical
    assert record.dose_override_reason.startswith("Two doses at 0.5 mg/kg")
