"""Signing a progress note (and the hash its signature covers) and appending addenda to a
signed note."""

import hashlib
import json

from django.db import transaction
from django.utils import timezone

from integration_notes.choices import NoteStatus
from integration_notes.errors import (
    InvalidInput,
    NoteIsSigned,
    NoteNotSigned,
    NotTheAuthor,
    RequiredFieldsMissing,
    StaleDraft,
)
from integration_notes.models import Addendum, Note
from integration_notes.services.content import CLINICIAN_ROLES, _is_answered, _require_author
from practice.models import StaffMember


def canonical_content(note: Note) -> bytes:
    """The bytes a signature covers: who, which session, which template version, and every
    field in the template's order. JSON with sorted keys so the hash is reproducible."""
    document = {
        "note": note.pk,
        "session": note.session_id,
        "patient": note.patient_id,
        "author": note.author_id,
        "template": {"key": note.template.key, "version": note.template.version},
        "fields": [[f["key"], note.content.get(f["key"])] for f in note.template.fields],
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def content_hash(note: Note) -> str:
    return hashlib.sha256(canonical_content(note)).hexdigest()


def note_hash_matches(note: Note) -> bool:
    """Whether a signed note's content still hashes to what was stored at signing."""
    return note.is_signed and content_hash(note) == note.content_hash


@transaction.atomic
def note_sign(*, note: Note, signer: StaffMember, revision: int | None = None) -> Note:
    """Sign the note: store signed_at, signer and the SHA-256 of the canonical content.

    Locks the note row. After this, every write path refuses the note (and the database
    refuses an UPDATE). Raises NoteIsSigned, NotTheAuthor, StaleDraft,
    RequiredFieldsMissing (listing the labels).
    """
    note = Note.objects.select_for_update().select_related("template").get(pk=note.pk)
    if note.is_signed:
        raise NoteIsSigned("This note is already signed.")
    _require_author(note, signer)
    if revision is not None and revision != note.revision:
        raise StaleDraft("This draft changed since you loaded it. Review it, then sign.")
    missing = [
        f["label"]
        for f in note.template.fields
        if f.get("required") and not _is_answered(note.content.get(f["key"]))
    ]
    if missing:
        raise RequiredFieldsMissing(
            f"Complete before signing: {', '.join(missing)}.", extra={"missing": missing}
        )
    note.status = NoteStatus.SIGNED
    note.signed_at = timezone.now()
    note.signed_by = signer
    note.content_hash = content_hash(note)
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def addendum_add(*, note: Note, author: StaffMember, text: str) -> Addendum:
    """Append a signed, timestamped addendum to a signed note.

    Locks the note row so addenda are ordered by the time they were signed. Any clinician
    of the note's clinic who can see it may add one. Raises NoteNotSigned for a draft (edit
    the draft instead), InvalidInput for empty text.
    """
    note = Note.objects.select_for_update().get(pk=note.pk)
    if not note.is_signed:
        raise NoteNotSigned("This note is still a draft: edit it directly; addenda follow signing.")
    if author.clinic_id != note.clinic_id or author.role not in CLINICIAN_ROLES:
        raise NotTheAuthor("Only the clinic's clinicians can add an addendum.")
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Write the addendum's text.", code="empty_addendum")
    addendum = Addendum(
        note=note,
        author=author,
        text=text,
        signed_at=timezone.now(),
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )
    addendum.full_clean()
    addendum.save()
    return addendum
