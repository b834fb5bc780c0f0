"""Medical staff keep the controlled-substance ledger from its pages: receive a lot of
ketamine, waste some with a witness who confirms with their own password, record a broken
vial (witnessed too), which alerts the clinic on everyone's home page until each of them
acknowledges it, and count the lot with a second staff member."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from controlled.models import LedgerEntry, Lot, PhysicalCount
from tests.factories import (
    PASSWORD,
    SUPPLIER_DEA_NUMBER,
    ProductFactory,
    RegistrationFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def balance(page) -> Decimal:
    """The lot page's headline balance ("975.00 mg"; SQLite's sum drops the zero cents)."""
    mg, unit = page.get_by_test_id("balance").inner_text().split()
    assert unit == "mg"
    return Decimal(mg)


@pytest.fixture
def product(people):
    RegistrationFactory(clinic=people.clinic)
    return ProductFactory(clinic=people.clinic, name="Ketamine 50 mg/mL, 10 mL vial")


def test_medical_staff_receive_a_lot_waste_with_a_witness_and_count_it(
    people, product, page, login
):
    login("dana")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Controlled substances"
    ).click()
    page.get_by_role("link", name="Receive a lot").first.click()

    # Receive two vials (2 × 500 mg) from the packing slip.
    expires = timezone.localdate() + datetime.timedelta(days=400)
    page.select_option("#id_product", label="Ketamine 50 mg/mL, 10 mL vial")
    page.fill("#id_lot_number", "K2201")
    page.fill("#id_expires_on", expires.isoformat())
    page.fill("#id_containers_received", "2")
    page.fill("#id_invoice_number", "INV-2026-0142")
    page.fill("#id_supplier_name", "Front Range Medical Supply")
    page.fill("#id_supplier_address", "4100 Brighton Blvd, Denver, CO 80216")
    page.fill("#id_supplier_dea_number", SUPPLIER_DEA_NUMBER)
    page.get_by_role("button", name="Save").click()
    assert "Lot received." in page.locator(".messages").inner_text()
    assert "lot K2201" in page.locator("h1").inner_text()
    assert balance(page) == Decimal("1000")
    lot = Lot.objects.get(lot_number="K2201")
    assert lot.containers_received == 2

    # Waste 25 mg; the witness mistypes their password: refused, and nothing is recorded.
    page.get_by_role("link", name="Waste (unused remainder)").click()
    page.fill("#id_quantity_mg", "25")
    page.fill("#id_reason", "Vial dropped while drawing; remainder wasted")
    page.select_option("#id_witness", label="Bob Therapist, LCSW (Therapist)")
    page.fill("#id_witness_password", "not-my-password")
    page.get_by_role("button", name="Save").click()
    refusal = page.get_by_role("alert").inner_text()
    assert (
        "The password of Bob Therapist, LCSW is not correct; the witness must type their own "
        "password." in refusal
    )
    assert LedgerEntry.objects.filter(lot=lot).count() == 1  # the receipt only
    # What was typed is kept except the password, which the witness types again.
    assert page.input_value("#id_quantity_mg") == "25"
    assert page.input_value("#id_witness_password") == ""

    page.fill("#id_witness_password", PASSWORD)
    page.get_by_role("button", name="Save").click()
    assert "Entry recorded." in page.locator(".messages").inner_text()
    assert balance(page) == Decimal("975")
    row = page.locator("#entry-2")
    assert "Waste (unused remainder)" in row.inner_text()
    assert "-25.00" in row.inner_text() and "975.00" in row.inner_text()
    assert "Bob Therapist, LCSW" in row.inner_text()
    waste = LedgerEntry.objects.get(lot=lot, kind="waste")
    assert (waste.quantity_mg, waste.staff, waste.witness) == (
        Decimal("-25.00"),
        people.medical,
        people.therapist,
    )

    # A broken vial: a loss is witnessed like waste...
    page.get_by_role("link", name="Loss / breakage").click()
    assert page.locator("#id_witness_password").is_visible()
    page.fill("#id_quantity_mg", "25")
    page.fill("#id_reason", "Vial slipped from the tray and broke; contents not recoverable")
    page.select_option("#id_witness", label="Alice Admin (Clinic admin)")
    page.fill("#id_witness_password", PASSWORD)
    page.get_by_role("button", name="Save").click()
    assert "Entry recorded." in page.locator(".messages").inner_text()
    assert balance(page) == Decimal("950")
    assert "Alice Admin" in page.locator("#entry-3").inner_text()

    # ...and alerts the clinic: it waits on the home page until acknowledged.
    page.goto("/today/")
    notice = page.locator("[id^=loss-notice-]")
    assert "Loss / breakage of 25.00 mg" in notice.inner_text()
    assert "lot K2201" in notice.inner_text()
    notice.get_by_role("button", name="Acknowledge").click()
    assert "Notice acknowledged." in page.locator(".messages").inner_text()
    assert page.locator("[id^=loss-notice-]").count() == 0
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Controlled substances"
    ).click()
    page.get_by_role("link", name="K2201").click()

    # Count the lot with the admin as second counter: 19 mL on the shelf matches.
    page.get_by_role("link", name="Count this lot").click()
    page.fill("#id_counted_units", "19")
    page.select_option("#id_second_counter", label="Alice Admin (Clinic admin)")
    page.fill("#id_second_counter_password", PASSWORD)
    page.get_by_role("button", name="Save").click()
    assert "Count recorded." in page.locator(".messages").inner_text()
    facts = page.locator("dl.facts").inner_text()
    assert "by Dana Medic, MD and Alice Admin" in facts
    assert "19.00 mL = 950.00 mg" in facts
    assert "matches" in facts
    count = PhysicalCount.objects.get(lot=lot)
    assert (count.status, count.second_counter, count.counted_mg) == (
        "reconciled",
        people.admin,
        Decimal("950.00"),
    )

    # Back on the lot's page the count is listed under the ledger.
    page.get_by_role("link", name="K2201").click()
    counts = page.locator("section", has=page.get_by_role("heading", name="Counts"))
    assert "Dana Medic, MD & Alice Admin" in counts.inner_text()
