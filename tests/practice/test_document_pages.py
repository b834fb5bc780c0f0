"""Patient document pages: the portal's upload (the intake links to it with a kind chosen),
the record's documents panel, the download, review and withdrawal, the review list; and
no public URL ever serves a stored file."""

import pytest
from django.urls import get_resolver

from backend.models import AuditEvent
from practice.models import PatientDocument
from practice.services import document_upload
from tests.practice.documents import EXECUTABLE, PDF, image, stored_files, upload
from tests.queries import queries_of

pytestmark = pytest.mark.django_db

PORTAL = "/portal/documents/"


def a_document(people, patient=None, kind="ecg"):
    return document_upload(
        patient=patient or people.patient,
        uploaded_by=people.admin.user,
        file=upload(PDF),
        kind=kind,
    )


def test_the_portal_page_preselects_the_kind_the_intake_asks_for(people, web_as):
    page = web_as(people.patient).get(PORTAL, {"kind": "insurance_card_front"})

    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="insurance_card_front" selected>' in html
    assert 'accept="image/*,application/pdf"' in html
    assert 'enctype="multipart/form-data"' in html


def test_an_unknown_kind_in_the_link_preselects_nothing(people, web_as):
    html = web_as(people.patient).get(PORTAL, {"kind": "<script>"}).content.decode()
    assert " selected>" not in html
    assert "<script>" not in html.split("<main")[-1]


def test_a_patient_uploads_a_photo_from_the_portal(people, web_as):
    client = web_as(people.patient)
    response = client.post(
        f"{PORTAL}?kind=insurance_card_back",
        {"kind": "insurance_card_back", "file": upload(image("PNG"), "IMG_0042.PNG")},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{PORTAL}?kind=insurance_card_back"
    document = PatientDocument.objects.get()
    assert (document.patient, document.uploaded_by) == (people.patient, people.patient.user)
    assert document.content_type == "image/png"
    page = client.get(PORTAL).content.decode()
    assert "Insurance card (back)" in page and "IMG_0042.PNG" in page
    assert f"/documents/{document.pk}/download/" in page


def test_an_executable_from_the_portal_is_refused_on_the_form(people, web_as, settings):
    response = web_as(people.patient).post(
        PORTAL, {"kind": "labs", "file": upload(EXECUTABLE, "labs.pdf")}
    )

    assert response.status_code == 200
    assert "not a PDF, or a photo" in response.content.decode()
    assert not PatientDocument.objects.exists()
    assert stored_files(settings) == []


def test_an_oversized_upload_from_the_portal_is_refused_unread(people, web_as, settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    client = web_as(people.patient)
    response = client.post(PORTAL, {"kind": "labs", "file": upload()}, CONTENT_LENGTH="999999")

    assert response.status_code == 413
    assert "documents can be at most 1000\xa0bytes" in response.content.decode()
    response = client.post(PORTAL, {"kind": "labs", "file": upload(PDF + b"%" * 1000)})
    assert response.status_code == 200
    assert "documents can be at most" in response.content.decode()
    assert not PatientDocument.objects.exists()
    assert stored_files(settings) == []


def test_the_portal_lists_only_the_patients_own_documents(people, web_as):
    mine = a_document(people)
    theirs = a_document(people, patient=people.other_patient)
    html = web_as(people.patient).get(PORTAL).content.decode()
    assert f"document-{mine.pk}" in html and f"document-{theirs.pk}" not in html


def test_staff_upload_from_the_record_and_see_the_documents_panel(people, web_as):
    client = web_as(people.therapist)
    response = client.post(
        f"/patients/{people.patient.pk}/documents/",
        {"kind": "therapist_letter", "file": upload(PDF, "letter.pdf"), "notes": "From Dr Ng"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{people.patient.pk}/#documents"
    document = PatientDocument.objects.get()
    assert document.uploaded_by == people.therapist.user

    html = client.get(f"/patients/{people.patient.pk}/").content.decode()
    assert 'id="documents"' in html and "From Dr Ng" in html
    assert "Mark reviewed" not in html  # a therapist does not review
    html = web_as(people.medical).get(f"/patients/{people.patient.pk}/").content.decode()
    assert f"/documents/{document.pk}/review/" in html


def test_a_refused_staff_upload_comes_back_on_the_upload_page(people, web_as, settings):
    response = web_as(people.admin).post(
        f"/patients/{people.patient.pk}/documents/", {"kind": "ecg", "file": upload(b"")}
    )
    assert response.status_code == 200
    assert "The submitted file is empty." in response.content.decode()
    assert stored_files(settings) == []


def test_the_download_page_serves_the_file_to_those_who_may_see_it(people, web_as):
    document = a_document(people)
    response = web_as(people.patient).get(f"/documents/{document.pk}/download/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == f'attachment; filename="document-{document.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["other_patient", "outsider", "other_admin"])
def test_an_out_of_reach_download_is_a_404_in_the_audit_trail(people, client, persona, web_as):
    document = a_document(people)
    person = getattr(people, persona)
    response = web_as(person).get(f"/documents/{document.pk}/download/")

    assert response.status_code == 404
    event = AuditEvent.objects.get(route="practice:document-download")
    assert (event.outcome, event.actor) == ("denied", person.user)
    assert event.target == {"pk": str(document.pk)}


def test_medical_staff_review_from_the_review_list(people, web_as):
    first = a_document(people)
    second = a_document(people, patient=people.other_patient)
    client = web_as(people.admin)

    page = client.get("/documents/to-review/")
    assert [d.pk for d in page.context["documents"]] == [first.pk, second.pk]
    response = client.post(f"/documents/{first.pk}/review/", {"back": "review-list"})
    assert response.status_code == 302 and response["Location"] == "/documents/to-review/"
    assert [d.pk for d in client.get("/documents/to-review/").context["documents"]] == [second.pk]
    # The medical staff member sees her care team's only.
    medical = web_as(people.medical).get("/documents/to-review/")
    assert list(medical.context["documents"]) == []


def test_reviewing_twice_says_who_reviewed_it(people, web_as):
    document = a_document(people)
    client = web_as(people.medical)
    client.post(f"/documents/{document.pk}/review/")
    response = client.post(f"/documents/{document.pk}/review/", follow=True)
    assert "Dana Medic, MD already reviewed this document." in response.content.decode()


def test_withdrawing_from_the_record_needs_a_reason(people, web_as):
    document = a_document(people)
    client = web_as(people.admin)
    client.post(f"/documents/{document.pk}/withdraw/", {"reason": ""})
    document.refresh_from_db()
    assert document.withdrawn_at is None

    response = client.post(f"/documents/{document.pk}/withdraw/", {"reason": "Duplicate"})
    assert response["Location"] == f"/patients/{people.patient.pk}/#documents"
    document.refresh_from_db()
    assert document.withdrawal_reason == "Duplicate"
    assert (
        f"document-{document.pk}"
        not in client.get(f"/patients/{people.patient.pk}/").content.decode()
    )


@pytest.mark.parametrize("count", [3, 30])
def test_the_review_list_costs_the_same_whatever_its_length(people, web_as, count):
    for _ in range(count):
        a_document(people)
    # The session, its user, the staff record, the second-factor device; COUNT(*) for the
    # paginator, the page of documents with their patients, uploaders and reviewers joined;
    # the audit row.
    queries = queries_of(web_as(people.admin), "/documents/to-review/")
    assert len(queries) == 7, "\n".join(queries)


def test_the_portal_page_costs_the_same_whatever_the_number_of_documents(people, web_as):
    a_document(people)
    few = len(queries_of(web_as(people.patient), PORTAL))
    for _ in range(20):
        a_document(people)
    assert len(queries_of(web_as(people.patient), PORTAL)) == few


def test_no_route_serves_media_files(people, settings, client):
    document = a_document(people)
    settings.DEBUG = True  # as under `make run`
    assert client.get(f"/{settings.MEDIA_URL}{document.file.name}").status_code == 404
    assert client.get(f"/media/{document.file.name}").status_code == 404
    patterns = [str(p.pattern) for p in get_resolver().url_patterns]
    assert not any(p.lstrip("^/").startswith(settings.MEDIA_URL.strip("/")) for p in patterns)


def test_the_patient_page_costs_the_same_for_one_document_or_twenty(people, web_as):
    client = web_as(people.admin)
    url = f"/patients/{people.patient.pk}/"
    a_document(people)
    queries_of(client, url)  # the first view adds a row to the page's audit trail
    one = len(queries_of(client, url))
    for _ in range(19):
        document_upload(
            patient=people.patient,
            uploaded_by=people.patient.user,
            file=upload(PDF),
            kind="labs",
        )
    assert len(queries_of(client, url)) == one


def test_the_documents_a_page_lists_are_named_in_its_audit_row(people, web_as):
    document = a_document(people)
    web_as(people.patient).get(PORTAL)
    web_as(people.therapist).get(f"/patients/{people.patient.pk}/")

    portal = AuditEvent.objects.get(route="practice:portal-documents")
    record = AuditEvent.objects.get(route="practice:patient-detail")
    for event in (portal, record):
        assert event.records["practice.patientdocument"] == [document.pk]
