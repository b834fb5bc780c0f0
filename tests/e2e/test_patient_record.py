"""In the browser: an admin records a diagnosis and builds the care team from the patient page."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_records_a_diagnosis_and_adds_a_clinician_from_the_patient_page(
    people, page, login
):
    login("alice")
    page.goto(f"/patients/{people.patient.pk}/")
    page.fill("#diagnoses input[name=code]", "F43.10")
    page.click("#diagnoses button[type=submit]:has-text('Add')")
    assert "Post-traumatic stress disorder, unspecified" in page.locator("#diagnoses").inner_text()

    page.fill("#diagnoses input[name=code]", "F42")
    page.click("#diagnoses button[type=submit]:has-text('Add')")
    assert "F42 is a category" in page.locator(".messages").inner_text()

    page.select_option("#care-team select[name=staff]", label="Charlie Outsider, LPC (Therapist)")
    page.click("#care-team button[type=submit]:has-text('Add')")
    assert "Charlie Outsider, LPC joined the care team." in page.locator(".messages").inner_text()
    assert "Charlie Outsider" in page.locator("#care-team").inner_text()
