"""In the browser, a clinic runs an induction course end to end.

Medical staff screen the patient (cleared), draft and activate the plan and book three dosing
sessions; on each dosing day they check the patient in, pass the pre-dose gate (after one
refusal for a high blood pressure), draw the dose from a lot in stock, record vital signs
(one reading out of range raises an alert on the record and the dashboard), discharge and
complete. Staff enter the GAD-7 on the patient's behalf before the first dose and the day
after each; the patient page shows the trend with the doses marked and the plan page counts
"3 of 6 induction doses".

The clock moves through the three weeks with time-machine (the live server runs in this
process, so it sees the same time); each day starts with a fresh sign-in.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from controlled.models import LedgerEntry
from controlled.selectors import lot_balance
from practice.instruments import GAD7, OPTIONS
from practice.models import DosingRecord, MeasureResponse, SafetyAlert, Session
from tests.factories import ProductFactory, RegistrationFactory, consents_signed, receive_lot

pytestmark = pytest.mark.django_db(transaction=True)

CLINIC_ZONE = ZoneInfo("America/Denver")
BASELINE, AFTER_DOSE_1, AFTER_DOSE_2, AFTER_DOSE_3 = (
    [2, 2, 2, 2, 2, 2, 3],  # 15, severe
    [2, 2, 1, 2, 1, 2, 2],  # 12, moderate
    [1, 1, 1, 2, 1, 1, 1],  # 8, mild
    [1, 1, 1, 1, 0, 1, 1],  # 6, mild: a response (≥ 50 % down)
)


@pytest.fixture
def lot(people):
    """Two 10 mL vials of 50 mg/mL ketamine received into the ledger: 1000 mg in stock."""
    RegistrationFactory(clinic=people.clinic)
    product = ProductFactory(clinic=people.clinic, name="Ketamine 50 mg/mL, 10 mL vial")
    return receive_lot(
        product=product, received_by=people.medical, lot_number="K2611", containers=2
    )


def test_a_clinic_runs_an_induction_course_in_the_web_pages(
    people, lot, page, login, time_machine, settings, monkeypatch, screenshot
):
    # The course moves the clock across days between clicks: a staff session would end on
    # its idle timeout or lifetime (those rules have their own tests in tests/accounts).
    settings.SESSION_MAX_AGE_HOURS = 24 * 60
    monkeypatch.setattr("accounts.receivers.idle_timeout_minutes", lambda user: 60 * 24 * 60)
    erin = people.patient
    consents_signed(erin)  # in the portal before the course (tests/e2e/test_consent_signing.py)
    first_day = timezone.localtime(timezone.now(), CLINIC_ZONE).date() + datetime.timedelta(days=1)

    def clock(day: int, hour: int, minute: int = 0) -> None:
        """Move the clinic's clock to `hour:minute` on day `day` of the course."""
        moment = datetime.datetime.combine(
            first_day + datetime.timedelta(days=day), datetime.time(hour, minute), CLINIC_ZONE
        )
        time_machine.move_to(moment, tick=True)

    def sign_in(username: str) -> None:
        if page.get_by_role("button", name="Sign out").count():
            page.get_by_role("button", name="Sign out").click()
        login(username)

    def messages():
        return page.locator(".messages")

    def enter_gad7(answers: list[int]) -> None:
        page.goto(f"/patients/{erin.pk}/")
        page.get_by_role("link", name="Enter answers for the patient").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("(GAD-7) for")
        for number, (item, answer) in enumerate(zip(GAD7.items, answers, strict=True), 1):
            question = page.get_by_role("group", name=f"{number}. {item}")
            question.get_by_label(OPTIONS[answer][1], exact=True).check()
        page.get_by_role("button", name="Submit answers").click()
        expect(messages()).to_contain_text("your answers are saved")

    # Day 0 · medical staff screen, plan, activate, take the baseline and book the doses.
    clock(0, 9)
    sign_in("dana")
    page.goto(f"/patients/{erin.pk}/")
    page.get_by_role("link", name="Record screening").click()
    page.get_by_label("Baseline systolic").fill("124")
    page.get_by_label("Baseline diastolic").fill("78")
    page.get_by_label("Baseline heart rate").fill("72")
    page.get_by_label("Weight (kg)").fill("68.0")
    page.get_by_label("Current medications").fill("Sertraline 50 mg daily")
    page.get_by_role("button", name="Record screening").click()
    expect(messages()).to_contain_text("Screening recorded.")
    result = page.locator("section", has=page.get_by_role("heading", name="Result"))
    expect(result).to_contain_text("Cleared")

    page.get_by_role("link", name="Draft a treatment plan").click()
    page.get_by_label("Route").select_option(label="Intramuscular (IM)")
    page.get_by_label("Starting dose (mg/kg)").fill("0.5")
    page.get_by_label("Induction dosing sessions").fill("6")
    page.get_by_label("Goals").fill("Fewer days lost to worry; sleep through the night.")
    page.get_by_role("button", name="Draft plan").click()
    expect(messages()).to_contain_text("Plan drafted.")
    page.get_by_role("button", name="Activate (start induction)").click()
    expect(messages()).to_contain_text("Plan active: induction started.")
    expect(page.get_by_test_id("plan-progress")).to_have_text("0 of 6 induction doses")

    for day in (1, 8, 15):
        page.get_by_role("link", name="New session").click()
        page.get_by_label("Kind").select_option(label="Dosing")
        start = first_day + datetime.timedelta(days=day)
        page.get_by_label("Starts").fill(f"{start:%Y-%m-%d}T10:00")
        page.get_by_label("Ends").fill(f"{start:%Y-%m-%d}T12:00")
        page.get_by_role("button", name="Create session").click()
        expect(messages()).to_contain_text("Session created.")
        page.get_by_role("link", name="Intramuscular (IM)").click()  # back to the plan
    expect(page.get_by_test_id("plan-progress")).to_have_text("0 of 6 induction doses")
    expect(page.locator("table").last.locator("tbody tr")).to_have_count(3)
    assert Session.objects.filter(patient=erin, kind="dosing", status="scheduled").count() == 3

    enter_gad7(BASELINE)

    def run_dosing_day(day: int, readings: list[tuple[int, int, int, int, int]]) -> None:
        """Check in, dose, record `readings` (minute after 10:00, sys, dia, HR, SpO2),
        discharge and complete the day's dosing session, signed in as medical staff."""
        clock(day, 9, 50)
        sign_in("dana")
        page.goto("/today/")
        today = page.locator("section", has=page.get_by_role("heading", name="Today's sessions"))
        today.get_by_role("row", name="Dosing").get_by_role("link").click()
        page.get_by_role("button", name="Check in").click()
        expect(messages()).to_contain_text("Checked in.")

        if day == 1:
            # The gate refuses a blood pressure at the clinic's limit, and records nothing.
            fill_gate(page, systolic="165", diastolic="95")
            page.get_by_label("Dose (mg)").fill("34")
            choose_lot(page, lot.lot_number)
            page.get_by_role("button", name="Record dose").click()
            expect(messages()).to_contain_text(
                "Dosing refused: Pre-dose blood pressure 165/95 is at or above the clinic's "
                "limit (160/100)."
            )
            assert not DosingRecord.objects.exists()

        clock(day, 10, 5)
        fill_gate(page, systolic="128", diastolic="82")
        expect(page.get_by_label("Weight (kg)")).to_have_value("68.0")  # from the screening
        page.get_by_label("Dose (mg)").fill("34")
        choose_lot(page, lot.lot_number)
        page.get_by_role("button", name="Record dose").click()
        expect(messages()).to_contain_text("Dose recorded.")
        expect(page.locator("#dosing")).to_contain_text("lot K2611")

        for minute, systolic, diastolic, heart_rate, spo2 in readings:
            clock(day, 10, minute)
            page.get_by_label("Systolic", exact=True).fill(str(systolic))
            page.get_by_label("Diastolic", exact=True).fill(str(diastolic))
            page.get_by_label("Heart rate", exact=True).fill(str(heart_rate))
            page.get_by_label("SpO2", exact=True).fill(str(spo2))
            page.get_by_role("button", name="Add reading").click()
            expect(page.locator("table.vitals tbody")).to_contain_text(f"{systolic}/{diastolic}")

        clock(day, 11, 45)
        # Whether vital signs are back near baseline is read from the readings, not ticked.
        expect(page.get_by_label("Vital signs back near baseline")).to_have_count(0)
        page.get_by_label("Alert and oriented").check()
        page.get_by_label("Escort present to take the patient home").check()
        page.get_by_role("button", name="Discharge").click()
        expect(messages()).to_contain_text("Discharged.")
        page.get_by_role("link", name="Complete session").click()
        page.get_by_role("button", name="Complete the session").click()
        expect(messages()).to_contain_text("Session completed.")

    # Day 1 · the first dose; one reading is out of range.
    run_dosing_day(1, [(20, 132, 84, 80, 98), (35, 184, 112, 96, 97), (50, 150, 92, 84, 98)])
    alert_text = "Vital signs out of range at 10:35: systolic 184 ≥ 180; diastolic 112 ≥ 110."
    expect(page.locator("body")).to_contain_text(alert_text)
    expect(page.locator("table.vitals tr.out-of-range")).to_have_count(1)
    screenshot(page, "medical-dosing-session")
    page.goto("/today/")
    dashboard_alerts = page.locator("#safety-alerts")
    expect(dashboard_alerts).to_contain_text("Erin Patient")
    expect(dashboard_alerts).to_contain_text(alert_text)
    dashboard_alerts.get_by_label("Acknowledgement note").fill(
        "Rechecked at 10:50: 150/92; observed until discharge."
    )
    dashboard_alerts.get_by_role("button", name="Acknowledge").click()
    expect(messages()).to_contain_text("Alert acknowledged.")
    expect(page.locator("#safety-alerts")).to_contain_text("No open alerts.")

    clock(2, 10)
    sign_in("bob")
    enter_gad7(AFTER_DOSE_1)

    run_dosing_day(8, [(20, 130, 82, 78, 98), (40, 134, 86, 82, 97)])
    clock(9, 10)
    sign_in("bob")
    enter_gad7(AFTER_DOSE_2)

    run_dosing_day(15, [(20, 126, 80, 76, 98), (40, 128, 80, 74, 99)])
    clock(16, 10)
    sign_in("bob")
    enter_gad7(AFTER_DOSE_3)

    # The patient page: GAD-7 from 15 to 6, a response, the three doses on the chart.
    page.goto(f"/patients/{erin.pk}/")
    measures = page.locator("#measures")
    chart = measures.locator('svg[data-instrument="gad7"]')
    expect(chart).to_have_attribute("aria-label", "GAD-7 trend: 15 to 6 over 4 answers")
    expect(chart.locator("line.dose")).to_have_count(3)
    expect(chart.locator("circle.dot")).to_have_count(4)
    expect(measures).to_contain_text("-9 (-60 %)")
    expect(measures.locator(".badge", has_text="Response")).to_be_visible()
    expect(page.locator("#plans")).to_contain_text("3 of 6 induction doses")
    screenshot(page, "therapist-patient-record")

    page.locator("#plans").get_by_role("link", name="Intramuscular (IM)").click()
    expect(page.get_by_test_id("plan-progress")).to_have_text("3 of 6 induction doses")
    expect(page.locator("table").last.locator("tbody tr")).to_have_count(3)

    # What the pages said is what the record holds.
    records = DosingRecord.objects.order_by("administered_at")
    assert [r.session.status for r in records] == ["completed"] * 3
    assert [r.lot_number for r in records] == ["K2611"] * 3
    assert [str(r.dose_mg_per_kg) for r in records] == ["0.500"] * 3
    assert LedgerEntry.objects.filter(lot=lot, kind="administration").count() == 3
    assert lot_balance(lot) == 1000 - 3 * 34
    assert SafetyAlert.objects.get().kind == "vitals"
    responses = MeasureResponse.objects.filter(patient=erin).order_by("answered_at")
    assert [r.score for r in responses] == [15, 12, 8, 6]
    assert all(r.entered_on_behalf for r in responses)


def fill_gate(page, *, systolic: str, diastolic: str) -> None:
    page.get_by_label("Escort / driver confirmed").check()
    page.get_by_label("Fasted at least 4 hours").check()
    page.get_by_label("Pre-dose systolic").fill(systolic)
    page.get_by_label("Pre-dose diastolic").fill(diastolic)
    page.get_by_label("Pre-dose heart rate").fill("76")
    page.get_by_label("Pre-dose SpO2 %").fill("98")


def choose_lot(page, lot_number: str) -> None:
    """Pick the lot in the ledger's list (its label shows the balance left)."""
    lots = page.get_by_label("Lot drawn from")
    label = lots.locator("option", has_text=f"lot {lot_number}").text_content()
    lots.select_option(label=label)
