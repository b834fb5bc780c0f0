"""Patient documents in the browser: the patient photographs her insurance card on a phone
(the intake's link preselects the kind), medical staff review it from the list and open the
record's documents panel. axe-core checks every page these tests load."""

import pytest

from tests.e2e.test_phone_and_keyboard import overflow, too_wide
from tests.practice.documents import PDF, image

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_patient_uploads_her_insurance_card_from_a_phone(people, phone, phone_login, tmp_path):
    page = phone
    photo = tmp_path / "IMG_0042.png"
    photo.write_bytes(image("PNG"))
    phone_login("erin")
    page.goto("/portal/documents/?kind=insurance_card_front")
    assert overflow(page) == 0, too_wide(page)
    assert page.get_by_label("What is it?").input_value() == "insurance_card_front"
    assert page.get_by_label("File").get_attribute("accept") == "image/*,application/pdf"

    page.get_by_label("File").set_input_files(str(photo))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_load_state()
    assert "Insurance card (front) uploaded." in page.content()
    assert overflow(page) == 0, too_wide(page)
    row = page.locator("#my-documents tbody tr").first
    assert "IMG_0042.png" in row.inner_text()
    with page.expect_download() as info:
        row.get_by_role("link", name="Download").click()
    assert info.value.suggested_filename.endswith(".png")
    assert info.value.suggested_filename.startswith("document-")


def test_an_executable_is_refused_on_the_phone_form(people, phone, phone_login, tmp_path):
    page = phone
    bad = tmp_path / "labs.pdf"
    bad.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    phone_login("erin")
    page.goto("/portal/documents/")
    page.get_by_label("What is it?").select_option("labs")
    page.get_by_label("File").set_input_files(str(bad))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_load_state()
    assert "This file is not a PDF, or a photo" in page.content()
    assert overflow(page) == 0, too_wide(page)


def test_medical_staff_review_a_document_and_find_it_on_the_record(people, page, login, tmp_path):
    from practice.services import document_upload
    from tests.practice.documents import upload

    document_upload(
        patient=people.patient,
        uploaded_by=people.patient.user,
        file=upload(PDF, "ecg.pdf"),
        kind="ecg",
        notes="Resting ECG from my GP",
    )
    login("dana")
    page.goto("/documents/to-review/")
    assert "Resting ECG from my GP" in page.content()
    page.get_by_role("button", name="Mark reviewed: ECG of").click()
    page.wait_for_load_state()
    assert "Nothing to review." in page.content()

    page.goto(f"/patients/{people.patient.pk}/#documents")
    panel = page.locator("#documents")
    assert "Resting ECG from my GP" in panel.inner_text()
    assert "Dana Medic" in panel.inner_text()
    panel.get_by_text("Withdraw…", exact=True).click()
    if page.axe is not None:
        page.axe.check()  # the opened withdrawal form


def test_the_record_with_documents_fits_a_phone(people, phone, phone_login):
    from practice.services import document_upload
    from tests.practice.documents import upload

    document_upload(
        patient=people.patient,
        uploaded_by=people.admin.user,
        file=upload(PDF, "a-very-long-file-name-from-the-scanner-0001-0002-0003.pdf"),
        kind="therapist_letter",
    )
    phone_login("alice")
    phone.goto(f"/patients/{people.patient.pk}/")
    assert overflow(phone) == 0, too_wide(phone)
    phone.goto("/documents/to-review/")
    assert overflow(phone) == 0, too_wide(phone)
