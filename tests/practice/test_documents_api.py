"""Patient documents through the API: multipart upload, the refusals (each with nothing
stored), scoped lists and downloads (an out-of-reach id is a 404 in the audit trail),
review and withdrawal."""

import pytest

from backend.models import AuditEvent
from practice.models import PatientDocument
from practice.services import document_upload
from tests.practice.documents import EXECUTABLE, PDF, image, stored_files, upload

pytestmark = pytest.mark.django_db

URL = "/api/v1/documents/"


def post_file(client, data=PDF, name="scan.pdf", **fields):
    fields.setdefault("kind", "labs")
    return client.post(URL, {"file": upload(data, name), **fields}, format="multipart")


def a_document(people, patient=None, data=PDF):
    patient = patient or people.patient
    return document_upload(
        patient=patient, uploaded_by=people.admin.user, file=upload(data), kind="ecg"
    )


def test_a_patient_uploads_to_their_own_record_without_naming_it(people, api_as):
    response = post_file(
        api_as(people.patient),
        name="insurance front.jpg",
        data=image("JPEG"),
        kind="insurance_card_front",
        document_date=str(people.clinic.today()),
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["patient"] == people.patient.pk
    assert body["kind"] == "insurance_card_front"
    assert body["content_type"] == "image/jpeg"
    assert body["original_filename"] == "insurance front.jpg"
    assert body["download_name"] == f"document-{body['id']}.jpg"
    assert body["uploaded_by_name"] == "Erin Patient"
    assert body["reviewed_at"] is None
    assert "file" not in body  # no storage path, no URL: downloads go through the view


def test_staff_upload_to_a_patient_they_can_see_and_must_name_one(people, api_as):
    therapist = api_as(people.therapist)
    assert post_file(therapist, patient=people.patient.pk).status_code == 201

    missing = post_file(therapist)
    assert missing.status_code == 400
    assert missing.json()["fields"] == {"patient": ["This field is required."]}

    # The outsider's view of the patient: as if there were no such patient.
    hidden = post_file(api_as(people.outsider), patient=people.patient.pk)
    assert hidden.status_code == 400
    assert list(hidden.json()["fields"]) == ["patient"]
    assert PatientDocument.objects.count() == 1


def test_a_patient_cannot_upload_to_another_patients_record(people, api_as, settings):
    response = post_file(api_as(people.other_patient), patient=people.patient.pk)
    assert response.status_code == 400
    assert not PatientDocument.objects.filter(patient=people.patient).exists()
    assert stored_files(settings) == []


def test_an_executable_renamed_pdf_is_refused_and_nothing_is_stored(people, api_as, settings):
    response = post_file(api_as(people.patient), data=EXECUTABLE, name="labs.pdf")

    assert response.status_code == 400
    assert response.json()["code"] == "document_refused"
    assert "not a PDF, or a photo" in response.json()["detail"]
    assert not PatientDocument.objects.exists()
    assert stored_files(settings) == []


def test_an_oversized_file_is_refused_with_413_and_nothing_is_stored(people, api_as, settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    response = post_file(api_as(people.patient), data=PDF + b"%" * 1000)

    assert response.status_code == 413
    assert response.json()["code"] == "document_too_large"
    assert not PatientDocument.objects.exists()
    assert stored_files(settings) == []


def test_a_request_body_far_over_the_limit_is_refused_unread(people, api_as, settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    client = api_as(people.patient)
    response = client.post(
        URL, {"file": upload(), "kind": "labs"}, format="multipart", CONTENT_LENGTH="999999"
    )
    assert response.status_code == 413
    assert not PatientDocument.objects.exists()


def test_the_list_is_scoped_and_filtered_by_patient(people, api_as, django_assert_num_queries):
    mine = a_document(people)
    theirs = a_document(people, patient=people.other_patient)
    a_document(people, patient=people.other_patient)

    def ids(person, **query):
        response = api_as(person).get(URL, query)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids(people.patient) == [mine.pk]
    assert ids(people.therapist) == [mine.pk]
    assert len(ids(people.admin)) == 3
    assert theirs.pk in ids(people.admin, patient=people.other_patient.pk)
    assert mine.pk not in ids(people.admin, patient=people.other_patient.pk)
    assert ids(people.other_admin) == []


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_costs_the_same_whatever_its_length(
    people, api_as, django_assert_num_queries, count
):
    for _ in range(count):
        a_document(people)
    client = api_as(people.admin)
    # 1. the token and its user
    # 2. the user's staff record (their role and clinic)
    # 3. COUNT(*) of the visible documents (pagination)
    # 4. the page of documents, patient, uploader and reviewer (with their users) joined
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(5):
        response = client.get(URL)
    assert response.json()["count"] == count


def test_a_download_is_an_attachment_with_a_generic_name_and_no_sniffing(people, api_as):
    document = a_document(people)
    response = api_as(people.patient).get(f"{URL}{document.pk}/download/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="document-{document.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_another_patients_download_is_a_404_recorded_as_denied(people, api_as):
    document = a_document(people)
    response = api_as(people.other_patient).get(f"{URL}{document.pk}/download/")

    assert response.status_code == 404
    assert b"%PDF" not in response.content
    event = AuditEvent.objects.get(route="api:document-download")
    assert event.outcome == "denied"
    assert event.status_code == 404
    assert event.actor == people.other_patient.user
    assert event.target == {"pk": str(document.pk)}


def test_a_download_is_recorded_with_the_document_and_its_patient(people, api_as):
    document = a_document(people)
    api_as(people.therapist).get(f"{URL}{document.pk}/download/")

    event = AuditEvent.objects.get(route="api:document-download")
    assert event.outcome == "allowed"
    assert event.records == {"practice.patientdocument": [document.pk]}
    assert event.patients == f" {people.patient.pk} "


def test_medical_staff_review_a_document_once_and_therapists_may_not(people, api_as):
    document = a_document(people)
    url = f"{URL}{document.pk}/review/"

    assert api_as(people.therapist).post(url).status_code == 403
    assert api_as(people.patient).post(url).status_code == 403
    response = api_as(people.medical).post(url)
    assert response.status_code == 200
    assert response.json()["reviewed_by_name"] == "Dana Medic, MD"

    again = api_as(people.admin).post(url)
    assert again.status_code == 409
    assert again.json()["code"] == "document_already_reviewed"
    assert api_as(people.other_admin).post(url).status_code == 404


def test_a_withdrawn_document_needs_a_reason_and_leaves_the_list(people, api_as):
    document = a_document(people)
    admin = api_as(people.admin)
    url = f"{URL}{document.pk}/withdraw/"

    assert admin.post(url, {"reason": ""}, format="json").status_code == 400
    response = admin.post(url, {"reason": "Blurred; asked for a new photo"}, format="json")
    assert response.status_code == 200
    assert response.json()["withdrawal_reason"] == "Blurred; asked for a new photo"

    assert admin.get(URL).json()["count"] == 0
    assert [r["id"] for r in admin.get(URL, {"withdrawn": "true"}).json()["results"]] == [
        document.pk
    ]
    assert admin.get(f"{URL}{document.pk}/").status_code == 200
    patient = api_as(people.patient)
    assert patient.get(URL, {"withdrawn": "true"}).json()["count"] == 0
    assert patient.get(f"{URL}{document.pk}/download/").status_code == 404
    assert PatientDocument.objects.filter(pk=document.pk).exists()


def test_there_is_no_way_to_delete_a_document(people, api_as):
    document = a_document(people)
    response = api_as(people.admin).delete(f"{URL}{document.pk}/")
    assert response.status_code == 405
    assert PatientDocument.objects.filter(pk=document.pk).exists()
