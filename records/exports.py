"""Producing the record for a person: the one place a release is audited.

`record_release` reads the designated record set as `user` may see it and records an
auditlog ACCESS entry on the Patient (who produced whose record, when, from where: the
middleware adds the address). Both formats and both audiences (the patient's own download,
the clinic admin's records request) go through it.
"""

from dataclasses import dataclass

from django.utils import timezone

from backend.audit import audit_access
from backend.pdf import render_pdf
from records.fhir import note_text, record_bundle
from records.selectors import DesignatedRecord, _dosing_of, record_get

FHIR_CONTENT_TYPE = "application/fhir+json"


@dataclass
class Release:
    content: bytes
    content_type: str
    filename: str


def record_release(*, user, patient_id, fmt: str) -> Release:
    """The record of `patient_id` as `fmt` ("fhir" or "pdf") for `user`, audited.

    Raises Patient.DoesNotExist (404) when `user` may not see the patient; ValueError for
    an unknown format (the URLs offer only the two).
    """
    if fmt not in ("fhir", "pdf"):
        raise ValueError(f"Unknown record format {fmt!r}")
    record = record_get(user=user, patient_id=patient_id)
    audit_access(record.patient)
    day = timezone.localdate(record.produced_at, record.clinic.zone)
    # Ids only: no name in a file name that lands in a downloads folder or a mail.
    stem = f"record-{record.patient.pk}-{day:%Y%m%d}"
    if fmt == "fhir":
        body = record_bundle(record).model_dump_json(indent=1).encode()
        return Release(body, FHIR_CONTENT_TYPE, f"{stem}.fhir.json")
    return Release(record_pdf(record), "application/pdf", f"{stem}.pdf")


def record_pdf(record: DesignatedRecord) -> bytes:
    sessions = [{"session": s, "dosing": _dosing_of(s)} for s in record.sessions]
    notes = [{"note": n, "text": note_text(n, record.clinic)} for n in record.notes]
    return render_pdf(
        "records/pdf/record.html",
        {
            "record": record,
            "patient": record.patient,
            "clinic": record.clinic,
            "tz": record.clinic.zone,
            "sessions": sessions,
            "notes": notes,
        },
    )
