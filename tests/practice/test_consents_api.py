"""Consents through the API and the pages: templates (admins write, staff read), signing
in the portal, another patient's consent hidden and audited, the PDF, and the hash check
shown on the staff page and in the PDF when a row was tampered with."""

import io

import pytest
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from backend.models import AuditEvent
from practice import services
from practice.choices import ConsentKind
from practice.consent_texts import DEFAULT_TEXTS
from practice.models import Consent, ConsentTemplate
from practice.services.consents import text_sha256
from tests.factories import signature_data_url

pytestmark = pytest.mark.django_db
KAP = ConsentKind.KAP_INFORMED_CONSENT


def publish(people, kind=KAP):
    title, body = DEFAULT_TEXTS[kind]
    template = services.consent_template_create(
        clinic_id=people.clinic.pk, kind=kind, title=title, body=body, by=people.admin
    )
    return services.consent_template_publish(template=template, by=people.admin)


def signed(people, patient=None):
    patient = patient or people.patient
    template = ConsentTemplate.objects.filter(
        clinic=people.clinic, status="published"
    ).first() or publish(people)
    return services.consent_sign(
        template=template,
        patient=patient,
        user=patient.user,
        signed_name=patient.full_name,
        signature=signature_data_url(),
    )


def tamper(consent):
    """Change the stored text behind the application's back (the guard taken down)."""
    table = Consent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Replica mode skips ordinary triggers for this transaction only.
            cursor.execute("SET LOCAL session_replication_role = 'replica'")
        else:
            cursor.execute("DROP TRIGGER practice_consent_immutable")
        cursor.execute(
            f"UPDATE {table} SET rendered_text = %s WHERE id = %s", ["Tampered.", consent.pk]
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = 'origin'")


# --- API -------------------------------------------------------------------------------------


def test_an_admin_writes_and_publishes_a_template_through_the_api(people, api_as):
    api = api_as(people.admin)
    title, body = DEFAULT_TEXTS[KAP]
    created = api.post(
        "/api/v1/consent-templates/",
        {"kind": KAP, "title": title, "body": body, "requires_countersignature": True},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "draft"
    assert "patient_name" in created.json()["field_names"]
    published = api.post(f"/api/v1/consent-templates/{created.json()['id']}/publish/")
    assert published.status_code == 200
    assert published.json()["status"] == "published"


def test_a_template_with_an_unknown_field_is_a_400_naming_the_body(people, api_as):
    response = api_as(people.admin).post(
        "/api/v1/consent-templates/",
        {"kind": KAP, "title": "KAP", "body": "{{ patient_name }} {{ bank_account }}"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "consent_template_invalid"
    assert "body" in response.json()["fields"]


def test_clinicians_read_templates_and_may_not_write_them(people, api_as):
    publish(people)
    api = api_as(people.medical)
    assert api.get("/api/v1/consent-templates/").json()["count"] == 1
    title, body = DEFAULT_TEXTS[KAP]
    assert (
        api.post(
            "/api/v1/consent-templates/", {"kind": KAP, "title": title, "body": body}
        ).status_code
        == 403
    )


def test_the_patient_signs_through_the_api_and_sees_the_hash_verified(people, api_as):
    template = publish(people)
    text = services.consent_render(template=template, patient=people.patient)
    response = api_as(people.patient).post(
        "/api/v1/consents/sign/",
        {
            "template": template.pk,
            "signed_name": "Erin Patient",
            "signature": signature_data_url(),
            "text_sha256": text_sha256(text),
        },
        format="json",
        HTTP_USER_AGENT="Phone browser",
        REMOTE_ADDR="198.51.100.5",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["hash_verified"] is True
    assert body["rendered_text"] == text
    consent = Consent.objects.get()
    assert (consent.ip_address, consent.user_agent) == ("198.51.100.5", "Phone browser")


def test_an_empty_drawing_is_a_400_and_nothing_is_stored(people, api_as):
    template = publish(people)
    response = api_as(people.patient).post(
        "/api/v1/consents/sign/",
        {
            "template": template.pk,
            "signed_name": "Erin Patient",
            "signature": signature_data_url(drawn=False),
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "consent_invalid"
    assert "signature" in response.json()["fields"]
    assert not Consent.objects.exists()


def test_staff_may_not_sign_for_the_patient(people, api_as):
    template = publish(people)
    response = api_as(people.medical).post(
        "/api/v1/consents/sign/",
        {"template": template.pk, "signed_name": "Erin", "signature": signature_data_url()},
        format="json",
    )
    assert response.status_code == 403
    assert not Consent.objects.exists()


def test_another_patients_consent_is_a_404_and_the_attempt_is_audited(people, api_as):
    consent = signed(people)
    api = api_as(people.other_patient)
    for path in (f"/api/v1/consents/{consent.pk}/", f"/api/v1/consents/{consent.pk}/pdf/"):
        assert api.get(path).status_code == 404
    assert api.get("/api/v1/consents/").json()["count"] == 0
    denied = AuditEvent.objects.filter(actor=people.other_patient.user, outcome="denied")
    assert denied.count() == 2


def test_medical_staff_countersign_and_revoke_through_the_api(people, api_as):
    consent = signed(people)
    api = api_as(people.medical)
    countersigned = api.post(f"/api/v1/consents/{consent.pk}/countersign/")
    assert countersigned.status_code == 200
    assert countersigned.json()["countersigned_by"] == people.medical.pk
    assert api.post(f"/api/v1/consents/{consent.pk}/countersign/").status_code == 409
    assert api.post(f"/api/v1/consents/{consent.pk}/revoke/", {"reason": ""}).status_code == 400
    revoked = api.post(f"/api/v1/consents/{consent.pk}/revoke/", {"reason": "Withdrawn."})
    assert revoked.status_code == 200
    assert revoked.json()["revocation_reason"] == "Withdrawn."


def test_a_therapist_may_not_countersign(people, api_as):
    consent = signed(people)
    assert (
        api_as(people.therapist).post(f"/api/v1/consents/{consent.pk}/countersign/").status_code
        == 403
    )


def test_a_tampered_row_reads_as_not_verified_in_the_api(people, api_as):
    consent = signed(people)
    tamper(consent)
    body = api_as(people.medical).get(f"/api/v1/consents/{consent.pk}/").json()
    assert body["hash_verified"] is False


# --- the PDF ---------------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_patient_downloads_the_pdf_with_signature_name_time_address_and_hash(people, api_as):
    consent = signed(people)
    response = api_as(people.patient).get(f"/api/v1/consents/{consent.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Erin" not in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    text = _pdf_text(response.content)
    assert "Erin Patient" in text
    assert consent.sha256[:16] in text.replace("\n", "").replace(" ", "")
    assert "Hash verified" in text
    images = [image for page in reader.pages for image in page.images]
    assert images, "the drawn signature is in the PDF"


def test_the_pdf_of_a_tampered_row_says_the_hash_does_not_match(people, web_as):
    consent = signed(people)
    tamper(consent)
    response = web_as(people.medical).get(reverse("practice:consent-pdf", args=[consent.pk]))
    assert response.status_code == 200
    assert "does not match" in _pdf_text(response.content)


# --- pages -----------------------------------------------------------------------------------


def test_the_staff_page_shows_hash_verified_or_a_clear_mismatch(people, web_as):
    consent = signed(people)
    client = web_as(people.medical)
    page = client.get(reverse("practice:consent-detail", args=[consent.pk]))
    assert b'data-hash="verified"' in page.content
    tamper(consent)
    page = client.get(reverse("practice:consent-detail", args=[consent.pk]))
    assert b'data-hash="mismatch"' in page.content
    assert b"Hash does not match" in page.content


def test_the_patient_page_shows_the_consents_panel_and_what_dosing_needs(people, web_as):
    consent = signed(people)
    page = web_as(people.medical).get(reverse("practice:patient-detail", args=[people.patient.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="consents"' in html
    assert reverse("practice:consent-countersign", args=[consent.pk]) in html
    # The controlled-substance agreement is not published: the panel says dosing needs it.
    assert 'data-hold="consent"' in html


def test_the_portal_lists_what_to_sign_and_the_sign_page_stores_a_signature(people, web_as):
    template = publish(people)
    client = web_as(people.patient)
    listing = client.get(reverse("practice:portal-consents"))
    sign_url = reverse("practice:portal-consent-sign", args=[template.pk])
    assert sign_url in listing.content.decode()
    page = client.get(sign_url)
    assert b"<canvas" in page.content
    assert b"signature-pad.js" in page.content
    text = services.consent_render(template=template, patient=people.patient)
    empty = client.post(
        sign_url,
        {"signed_name": "Erin Patient", "signature": "", "text_sha256": text_sha256(text)},
    )
    assert empty.status_code == 200
    assert b"draw your signature" in empty.content.lower()
    assert not Consent.objects.exists()
    done = client.post(
        sign_url,
        {
            "signed_name": "Erin Patient",
            "signature": signature_data_url(),
            "text_sha256": text_sha256(text),
        },
    )
    assert done.status_code == 302
    consent = Consent.objects.get()
    listing = client.get(reverse("practice:portal-consents"))
    assert reverse("practice:consent-pdf", args=[consent.pk]) in listing.content.decode()
    assert sign_url not in listing.content.decode()


def test_another_patient_cannot_open_the_patients_consent_pages(people, web_as):
    consent = signed(people)
    client = web_as(people.other_patient)
    assert client.get(reverse("practice:consent-pdf", args=[consent.pk])).status_code == 404
    assert client.get(reverse("practice:consent-detail", args=[consent.pk])).status_code == 403


def test_an_admin_writes_a_new_version_from_the_templates_page(people, web_as):
    first = publish(people)
    client = web_as(people.admin)
    listing = client.get(reverse("practice:consent-template-list"))
    assert reverse("practice:consent-template-new-version", args=[first.pk]) in (
        listing.content.decode()
    )
    form = client.get(reverse("practice:consent-template-new-version", args=[first.pk]))
    assert first.title in form.content.decode()
    saved = client.post(
        reverse("practice:consent-template-new-version", args=[first.pk]),
        {
            "kind": "telehealth",  # disabled on a new version: the base's kind is kept
            "title": "KAP consent v2",
            "body": first.body + "\nA new paragraph.",
            "requires_new_signature": "on",
        },
    )
    assert saved.status_code == 302
    draft = ConsentTemplate.objects.get(version=2)
    assert (draft.kind, draft.status) == (KAP, "draft")
    client.post(reverse("practice:consent-template-publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "published"
