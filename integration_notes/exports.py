"""A signed note with its addenda as a PDF, for a records request.

Psychotherapy notes are never part of an export: this module does not read them.
"""

from backend.pdf import render_pdf
from integration_notes.models import Note
from integration_notes.services import note_hash_matches


def note_document(note: Note) -> dict:
    tz = note.clinic.zone
    rows = []
    for field in note.template.fields:
        value = note.content.get(field["key"])
        if value is True:
            value = "Yes"
        elif value is False:
            value = "No"
        elif value is None:
            value = ""
        rows.append({"label": field["label"], "value": value})
    return {
        "note": note,
        "rows": rows,
        "clinic": note.clinic,
        "tz": tz,
        "addenda": list(note.addenda.select_related("author__user").order_by("signed_at", "id")),
        "hash_matches": note_hash_matches(note),
    }


def note_pdf(note: Note) -> bytes:
    return render_pdf("integration_notes/pdf/note.html", note_document(note))


def note_pdf_filename(note: Note) -> str:
    return f"note-{note.pk}-{note.session.starts_at:%Y%m%d}.pdf"
