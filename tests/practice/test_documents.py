"""Patient documents, the service rules: judged by content, size-limited, stored under a
random name, nothing stored on refusal; reviewed and withdrawn, never deleted."""

import datetime
import hashlib
import re

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError

from practice.errors import (
    DocumentAlreadyReviewed,
    DocumentRefused,
    DocumentTooLarge,
    DocumentWithdrawn,
    InvalidInput,
    NotInClinic,
    RoleNotAllowed,
)
from practice.models import PatientDocument
from practice.selectors import document_list, documents_to_review
from practice.services import document_review, document_upload, document_withdraw
from practice.services.documents import clean_filename, document_upload_size_check
from tests.practice.documents import EXECUTABLE, PDF, heic, image, stored_files, upload

pytestmark = pytest.mark.django_db


def upload_as(person, patient, data=PDF, name="scan.pdf", **kwargs):
    kwargs.setdefault("kind", "labs")
    return document_upload(
        patient=patient, uploaded_by=person.user, file=upload(data, name), **kwargs
    )


def test_a_patient_uploads_a_pdf_stored_under_a_random_name(people, settings):
    document = upload_as(
        people.patient,
        people.patient,
        name="Erin Patient labs.pdf",
        document_date=people.clinic.today(),
        notes="Fasting panel",
    )

    assert re.fullmatch(rf"documents/{people.clinic.pk}/[0-9a-f]{{32}}", document.file.name)
    assert "Erin" not in document.file.name and "labs" not in document.file.name
    assert document.original_filename == "Erin Patient labs.pdf"
    assert document.content_type == "application/pdf"
    assert document.size == len(PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.uploaded_by == people.patient.user
    assert document.clinic_id == people.clinic.pk
    with default_storage.open(document.file.name, "rb") as handle:
        assert handle.read() == PDF
    assert stored_files(settings)[0].stat().st_mode & 0o077 == 0  # the app's user only


@pytest.mark.parametrize(
    ("data", "expected", "extension"),
    [
        (PDF, "application/pdf", "pdf"),
        (image("JPEG"), "image/jpeg", "jpg"),
        (image("PNG"), "image/png", "png"),
        (heic(), "image/heic", "heic"),
    ],
    ids=["pdf", "jpeg", "png", "heic"],
)
def test_the_type_is_read_from_the_content_whatever_the_name_says(
    people, data, expected, extension
):
    document = upload_as(people.therapist, people.patient, data=data, name="photo.txt")
    assert document.content_type == expected
    assert document.download_name == f"document-{document.pk}.{extension}"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (EXECUTABLE, "labs.pdf"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "ecg.pdf"),
        (b"#!/bin/sh\nrm -rf /\n", "card.jpg"),
        (b"<html><script>alert(1)</script></html>", "letter.pdf"),
        (image("GIF"), "id.png"),
    ],
    ids=["windows-executable", "elf-executable", "shell-script", "html", "gif"],
)
def test_a_file_that_is_not_a_pdf_or_photo_is_refused_and_nothing_is_stored(
    people, settings, data, name
):
    with pytest.raises(DocumentRefused) as refused:
        upload_as(people.patient, people.patient, data=data, name=name)

    assert refused.value.status_code == 400
    assert "not a PDF, or a photo" in refused.value.message
    assert refused.value.extra["fields"]["file"]
    assert not PatientDocument.objects.exists()
    assert stored_files(settings) == []


def test_an_oversized_file_is_refused_with_its_size_and_nothing_is_stored(people, settings):
    settings.DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(DocumentTooLarge) as refused:
        upload_as(people.patient, people.patient, data=PDF + b"%" * 2000)

    assert refused.value.status_code == 413
    assert "at most 1.0\xa0KB" in refused.value.message
    assert not PatientDocument.objects.exists()
    assert stored_files(settings) == []


def test_a_file_exactly_at_the_limit_is_accepted(people, settings):
    settings.DOCUMENT_MAX_BYTES = len(PDF)
    assert upload_as(people.patient, people.patient).size == len(PDF)


def test_an_empty_file_is_refused(people, settings):
    with pytest.raises(DocumentRefused, match="empty"):
        upload_as(people.patient, people.patient, data=b"")
    assert stored_files(settings) == []


def test_a_document_dated_in_the_future_is_refused(people, settings):
    tomorrow = people.clinic.today() + datetime.timedelta(days=1)
    with pytest.raises(DocumentRefused) as refused:
        upload_as(people.patient, people.patient, document_date=tomorrow)
    assert "document_date" in refused.value.extra["fields"]
    assert stored_files(settings) == []


def test_an_unknown_kind_is_refused(people, settings):
    with pytest.raises(DocumentRefused) as refused:
        upload_as(people.patient, people.patient, kind="selfie")
    assert "kind" in refused.value.extra["fields"]
    assert stored_files(settings) == []


def test_a_patient_cannot_upload_to_another_patients_record(people, settings):
    with pytest.raises(RoleNotAllowed):
        upload_as(people.other_patient, people.patient)
    assert stored_files(settings) == []


def test_staff_of_another_clinic_cannot_upload_to_the_record(people, settings):
    with pytest.raises(NotInClinic):
        upload_as(people.other_admin, people.patient)
    assert stored_files(settings) == []


def test_a_row_that_cannot_be_saved_takes_its_stored_file_with_it(people, settings, monkeypatch):
    def fail(*args, **kwargs):
        raise IntegrityError("the database refused the row")

    monkeypatch.setattr(PatientDocument, "save", fail)
    with pytest.raises(IntegrityError):
        upload_as(people.patient, people.patient)
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\erin\\Desktop\\ecg scan.pdf", "ecg scan.pdf"),
        ("bad\x00na\u202eme\n.pdf", "badname.pdf"),
        ("   .hidden.pdf  ", "hidden.pdf"),
        ("x" * 300 + ".jpeg", "x" * 195 + ".jpeg"),
        ("", ""),
    ],
)
def test_the_uploaded_name_is_cleaned_for_display(uploaded, shown):
    assert clean_filename(uploaded) == shown
    assert len(clean_filename(uploaded)) <= 200


def test_a_request_far_over_the_limit_is_refused_before_it_is_read(settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    document_upload_size_check(content_length="1000")
    document_upload_size_check(content_length=None)
    with pytest.raises(DocumentTooLarge):
        document_upload_size_check(content_length=str(1000 + 64 * 1024 + 1))


def test_medical_staff_mark_a_document_reviewed_once(people):
    document = upload_as(people.patient, people.patient)

    document_review(document=document, by=people.medical)
    document.refresh_from_db()
    assert document.reviewed_by == people.medical and document.reviewed_at is not None

    with pytest.raises(DocumentAlreadyReviewed, match="Dana Medic"):
        document_review(document=document, by=people.admin)


def test_a_therapist_may_not_mark_a_document_reviewed(people):
    document = upload_as(people.patient, people.patient)
    with pytest.raises(RoleNotAllowed):
        document_review(document=document, by=people.therapist)
    with pytest.raises(NotInClinic):
        document_review(document=document, by=people.other_admin)
    document.refresh_from_db()
    assert document.reviewed_at is None


def test_a_withdrawn_document_leaves_the_lists_and_stays_stored(people, settings):
    document = upload_as(people.patient, people.patient)

    with pytest.raises(InvalidInput):
        document_withdraw(document=document, by=people.admin, reason="  ")
    document_withdraw(document=document, by=people.admin, reason="The wrong patient's ECG")

    document.refresh_from_db()
    assert document.withdrawal_reason == "The wrong patient's ECG"
    assert len(stored_files(settings)) == 1
    assert not document_list(user=people.admin.user).exists()
    assert not documents_to_review(user=people.admin.user).exists()
    assert document_list(user=people.admin.user, include_withdrawn=True).get() == document
    # The patient never sees it again, even when asking for withdrawn ones.
    assert not document_list(user=people.patient.user, include_withdrawn=True).exists()
    with pytest.raises(DocumentWithdrawn):
        document_withdraw(document=document, by=people.medical, reason="Again")
    with pytest.raises(DocumentWithdrawn):
        document_review(document=document, by=people.medical)


def test_a_therapist_may_not_withdraw_a_document(people):
    document = upload_as(people.patient, people.patient)
    with pytest.raises(RoleNotAllowed):
        document_withdraw(document=document, by=people.therapist, reason="Mine")


def test_documents_are_seen_as_the_patient_record_is(people):
    mine = upload_as(people.patient, people.patient)
    theirs = upload_as(people.other_patient, people.other_patient)
    foreign = upload_as(people.other_admin, people.foreign_patient)

    def seen(person):
        return set(document_list(user=person.user))

    assert seen(people.patient) == {mine}
    assert seen(people.other_patient) == {theirs}
    assert seen(people.therapist) == {mine}  # her care team
    assert seen(people.outsider) == {theirs}
    assert seen(people.medical) == {mine}
    assert seen(people.admin) == {mine, theirs}
    assert seen(people.other_admin) == {foreign}
    assert list(documents_to_review(user=people.admin.user)) == [mine, theirs]
