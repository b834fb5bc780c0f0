"""Right of access: the whole designated record set, as FHIR and as a PDF, for the patient
and for the clinic admin; nothing of another patient, no psychotherapy note, no draft, no
withheld note; every release audited; the query count does not grow with the record."""

import io
import json
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from records.exports import record_release
from tests.audit import audited_reads
from tests.otp import sign_in
from tests.records.conftest import (
    DRAFT_SENTINEL,
    OTHER_SENTINEL,
    PSYCHOTHERAPY_SENTINEL,
    WITHHELD_REASON,
    WITHHELD_SENTINEL,
    dosing_session,
)

pytestmark = pytest.mark.django_db

MY_FHIR = "/api/v1/me/record.fhir.json"
MY_PDF = "/api/v1/me/record.pdf"


def patient_urls(patient) -> tuple[str, str]:
    return (
        f"/api/v1/patients/{patient.pk}/record.fhir.json",
        f"/api/v1/patients/{patient.pk}/record.pdf",
    )


def bundle_of(response) -> Bundle:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/fhir+json"
    return Bundle.model_validate_json(response.content)


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def resources(bundle: Bundle, kind: str) -> list:
    return [e.resource for e in bundle.entry if e.resource.get_resource_type() == kind]


def attachments_text(bundle: Bundle) -> str:
    return "\n".join(
        content.attachment.data.decode()
        for doc in resources(bundle, "DocumentReference")
        for content in doc.content
    )


def codes(resource) -> set[str]:
    return {c.code for c in (resource.code.coding or [])}


def test_the_patients_fhir_export_holds_every_section(people, record, api_as):
    bundle = bundle_of(api_as(people.patient).get(MY_FHIR))
    assert bundle.type == "collection"
    kinds = Counter(e.resource.get_resource_type() for e in bundle.entry)
    assert kinds["Patient"] == 1
    assert kinds["Organization"] == 1
    assert kinds["Condition"] == 1
    assert kinds["CarePlan"] == 1
    assert kinds["Encounter"] == 4
    assert kinds["MedicationAdministration"] == 1
    assert kinds["AdverseEvent"] == 1
    assert kinds["DocumentReference"] == 1  # the readable note only
    assert kinds["ChargeItem"] == len(record["charges"])
    assert kinds["Invoice"] == 1
    assert kinds["PaymentReconciliation"] == 1
    assert kinds["Communication"] == 3  # the sent reminder and two secure messages
    assert kinds["Consent"] == 1

    (patient,) = resources(bundle, "Patient")
    assert patient.name[0].family == "Patient"
    assert patient.birthDate == people.patient.date_of_birth
    (dose,) = resources(bundle, "MedicationAdministration")
    assert float(dose.dosage.dose.value) == 35.0
    assert dose.dosage.dose.unit == "mg"
    assert dose.medicationCodeableConcept.coding[0].code == "6130"

    observations = resources(bundle, "Observation")
    loinc = Counter(code for o in observations for code in codes(o))
    assert loinc["85354-9"] == 3  # pre-dose and two readings
    assert loinc["8867-4"] == 2
    assert loinc["59408-5"] == 2
    assert loinc["29463-7"] == 1
    assert loinc["70274-6"] == 1  # GAD-7 total
    systolic = sorted(
        int(c.valueQuantity.value)
        for o in observations
        if "85354-9" in codes(o)
        for c in o.component
        if c.code.coding[0].code == "8480-6"
    )
    assert systolic == [124, 127, 131]
    (gad7,) = [o for o in observations if "70274-6" in codes(o)]
    assert gad7.valueInteger == 14

    (event,) = resources(bundle, "AdverseEvent")
    assert "Mild nausea" in event.event.text
    text = attachments_text(bundle)
    assert "Morning walk without the phone" in text
    (invoice,) = resources(bundle, "Invoice")
    assert invoice.identifier[0].value == record["superbill"].number
    (payment,) = resources(bundle, "PaymentReconciliation")
    assert float(payment.paymentAmount.value) == 250.0
    message, asked, answered = resources(bundle, "Communication")
    assert "Reply to this email" in message.payload[0].contentString
    assert asked.payload[0].contentString == "I slept badly after the session."
    assert asked.topic.text == "Sleep after dosing"
    (patient_url,) = [e.fullUrl for e in bundle.entry if e.resource is patient]
    assert asked.sender.reference == patient_url
    assert answered.sender.display == "Bob Therapist, LCSW"
    assert answered.inResponseTo[0].reference in {e.fullUrl for e in bundle.entry}
    # Every reference points at an entry of the bundle.
    urls = {e.fullUrl for e in bundle.entry}
    references = re.findall(r'"reference":\s*"([^"]+)"', bundle.model_dump_json())
    assert references and set(references) <= urls


def test_every_resource_of_the_bundle_validates_on_its_own(people, record, api_as):
    bundle = bundle_of(api_as(people.admin).get(patient_urls(people.patient)[0]))
    assert len(bundle.entry) > 20
    for entry in bundle.entry:
        resource = entry.resource
        again = type(resource).model_validate_json(resource.model_dump_json())
        assert again.model_dump() == resource.model_dump()
    # and the whole bundle survives a round trip
    assert Bundle.model_validate_json(bundle.model_dump_json()).model_dump() == bundle.model_dump()


def test_the_pdf_reads_back_with_every_section(people, record, api_as):
    text = pdf_text(api_as(people.patient).get(MY_PDF))
    for expected in (
        "Health record of Erin Patient",
        "Demographics",
        "F41.1",
        "Fewer panic attacks at work.",
        "Sessions",
        "35.00 mg",
        "131/84 mmHg",
        "Mild nausea after the dose",
        "GAD-7",
        "Morning walk without the phone",
        record["superbill"].number,
        "$250.00",
        "Your session on October 5",
        "Consented to text messages",
    ):
        assert expected in text, expected
    for code in {c.code for c in record["charges"]}:
        assert code in text


def test_the_admin_produces_the_same_record_for_a_records_request(people, record, api_as):
    fhir_url, pdf_url = patient_urls(people.patient)
    mine = bundle_of(api_as(people.patient).get(MY_FHIR))
    theirs = bundle_of(api_as(people.admin).get(fhir_url))
    assert sorted(e.fullUrl for e in mine.entry) == sorted(e.fullUrl for e in theirs.entry)
    response = api_as(people.admin).get(pdf_url)
    assert "Morning walk without the phone" in pdf_text(response)


def test_the_secure_messages_are_in_the_pdf_with_who_wrote_them(people, record, api_as):
    text = pdf_text(api_as(people.patient).get(MY_PDF))
    assert "Secure messages" in text and "Sleep after dosing" in text
    assert "I slept badly after the session." in text
    assert "Bob Therapist, LCSW" in text and "Common the first night; call us." in text


@pytest.mark.parametrize("who", ["patient", "admin"])
def test_no_psychotherapy_note_draft_or_withheld_note_is_ever_exported(people, record, api_as, who):
    client = api_as(getattr(people, who))
    fhir_url, pdf_url = (MY_FHIR, MY_PDF) if who == "patient" else patient_urls(people.patient)
    fhir = client.get(fhir_url)
    raw = fhir.content.decode() + attachments_text(bundle_of(fhir))
    pdf = pdf_text(client.get(pdf_url))
    for sentinel in (PSYCHOTHERAPY_SENTINEL, WITHHELD_SENTINEL, DRAFT_SENTINEL, OTHER_SENTINEL):
        assert sentinel not in raw
        assert sentinel not in pdf


def test_only_the_admins_copy_lists_the_withheld_notes_and_why(people, record, api_as):
    admin_pdf = pdf_text(api_as(people.admin).get(patient_urls(people.patient)[1]))
    assert "Withheld from the patient (1)" in admin_pdf
    assert WITHHELD_REASON in admin_pdf
    patient_pdf = pdf_text(api_as(people.patient).get(MY_PDF))
    assert "Withheld" not in patient_pdf
    assert WITHHELD_REASON not in patient_pdf
    # Neither FHIR bundle carries the withheld note or its reason.
    for response in (
        api_as(people.admin).get(patient_urls(people.patient)[0]),
        api_as(people.patient).get(MY_FHIR),
    ):
        assert WITHHELD_REASON not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "target", "status"),
    [
        ("admin", "patient", 200),
        ("admin", "other_patient", 200),
        ("other_admin", "patient", 404),
        ("admin", "foreign_patient", 404),
        ("therapist", "patient", 403),
        ("medical", "patient", 403),
        ("patient", "patient", 403),
        ("patient", "other_patient", 403),
    ],
)
def test_a_records_request_is_the_clinic_admins(people, record, api_as, who, target, status):
    client = api_as(getattr(people, who))
    for url in patient_urls(getattr(people, target)):
        assert client.get(url).status_code == status


def test_a_missing_patient_answers_404(people, api_as):
    for url in patient_urls(type("Missing", (), {"pk": 999_999})()):
        assert api_as(people.admin).get(url).status_code == 404


@pytest.mark.parametrize(("who", "status"), [("patient", 200), ("admin", 403), ("therapist", 403)])
def test_only_a_patient_has_a_record_of_their_own(people, record, api_as, who, status):
    for url in (MY_FHIR, MY_PDF):
        assert api_as(getattr(people, who)).get(url).status_code == status


def test_another_patient_gets_only_their_own_record(people, record, api_as):
    bundle = bundle_of(api_as(people.other_patient).get(MY_FHIR))
    (patient,) = resources(bundle, "Patient")
    assert patient.name[0].family == "Other"
    assert OTHER_SENTINEL in attachments_text(bundle)
    assert len(resources(bundle, "DocumentReference")) == 1
    assert "Fewer panic attacks" not in bundle.model_dump_json()  # Erin's plan
    assert not resources(bundle, "MedicationAdministration")
    assert not resources(bundle, "Invoice")


def test_anonymous_is_refused(client, record):
    assert client.get(MY_FHIR).status_code in (401, 403)


def test_each_release_is_an_attachment_named_by_id_and_audited(people, record, api_as):
    for client, url in (
        (api_as(people.patient), MY_PDF),
        (api_as(people.admin), patient_urls(people.patient)[0]),
    ):
        response = client.get(url)
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment; filename=")
        assert f"record-{people.patient.pk}-20261120" in disposition
        assert "Erin" not in disposition and "Patient" not in disposition
    actors = {event.actor.username for event in audited_reads(people.patient)}
    assert actors == {"erin", "alice"}


def test_the_portal_and_the_patient_page_offer_the_downloads(people, record, web_as):
    portal = web_as(people.patient).get("/portal/").content.decode()
    assert 'data-testid="portal-records"' in portal
    assert "/portal/record.pdf" in portal and "/portal/record.fhir.json" in portal
    page = web_as(people.admin).get(f"/patients/{people.patient.pk}/").content.decode()
    assert f"/patients/{people.patient.pk}/record.pdf" in page
    therapist_page = web_as(people.therapist).get(f"/patients/{people.patient.pk}/")
    assert "record.pdf" not in therapist_page.content.decode()


def test_the_web_downloads_are_scoped_like_the_api(people, record, client):
    sign_in(client, people.patient.user)
    response = client.get("/portal/record.pdf")
    assert "Morning walk without the phone" in pdf_text(response)
    assert json.loads(client.get("/portal/record.fhir.json").content)["type"] == "collection"
    assert client.get(f"/patients/{people.patient.pk}/record.pdf").status_code == 403
    sign_in(client, people.other_admin.user)
    assert client.get(f"/patients/{people.patient.pk}/record.pdf").status_code == 404
    sign_in(client, people.admin.user)
    response = client.get(f"/patients/{people.patient.pk}/record.fhir.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")


def test_the_query_count_does_not_grow_with_the_record(people, record):
    def count(fmt):
        with CaptureQueriesContext(connection) as ctx:
            record_release(user=people.admin.user, patient_id=people.patient.pk, fmt=fmt)
        return len(ctx.captured_queries)

    count("fhir")  # the first call looks up who is asking (cached on the user after)
    before = {fmt: count(fmt) for fmt in ("fhir", "pdf")}
    for day in (2, 3, 4):
        dosing_session(people, day, month=11)
    after = {fmt: count(fmt) for fmt in ("fhir", "pdf")}
    assert after == before
    # patient; its diagnoses and care team; the clinic; plans with their diagnoses and
    # target changes; sessions (dose joined) with vitals and adverse events; measures;
    # readable notes with their addenda; withheld notes (the admin's copy); charges;
    # payments with allocations; superbills; sent messages; messaging consent; secure
    # messages (thread and author joined): 21. (The release names the patient on the
    # request's audit row, which the audit middleware writes once per request: not counted
    # here.)
    assert before["fhir"] == 21
