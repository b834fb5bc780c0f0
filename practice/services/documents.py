"""Patient documents: upload (by the patient or by staff), review, withdraw.

What an upload guarantees:
- the file is what its content says, not what its name says: libmagic reads the first
  bytes (`magic.from_buffer`) and only a PDF, JPEG, PNG or HEIC/HEIF image is accepted; an
  executable renamed `.pdf` is refused;
- it is not empty and not larger than `settings.DOCUMENT_MAX_BYTES`;
- it is stored through Django's storage API (`default_storage`: the filesystem under
  MEDIA_ROOT, or object storage) under `documents/<clinic id>/<random>`, never under the
  patient's or the file's name; the uploaded name is kept, cleaned, for display only;
- a refusal stores nothing: every check runs before the file is written, and if the row
  cannot be saved after it was, the file is deleted again.

Nothing is ever deleted by a user: a document uploaded by mistake is withdrawn with a
reason (it leaves the lists and stays stored, as the record must).
"""

import hashlib
import os
import unicodedata

import magic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from backend.errors import refusal_from
from backend.roles import ADMIN, MEDICAL, actor_for
from practice.choices import DocumentContentType, DocumentKind
from practice.errors import (
    DocumentAlreadyReviewed,
    DocumentRefused,
    DocumentTooLarge,
    DocumentWithdrawn,
    InvalidInput,
    NotInClinic,
    RoleNotAllowed,
)
from practice.models import Patient, PatientDocument, StaffMember

# libmagic needs only the first bytes to tell these formats apart; 8 KB is plenty.
SNIFF_BYTES = 8192
ACCEPTED = "a PDF, or a photo (JPEG, PNG or HEIC)"
REVIEWER_ROLES = frozenset({ADMIN, MEDICAL})
NOTES_MAX = 2000
UPLOAD_OVERHEAD_BYTES = 64 * 1024


def document_content_type(head: bytes) -> str | None:
    """The accepted content type of a file whose first bytes are `head`, or None."""
    detected = magic.from_buffer(head, mime=True) if head else ""
    return detected if detected in DocumentContentType.values else None


def clean_filename(name) -> str:
    """The uploaded file's own name, for display: no folders, no control characters, at
    most 200 characters (the extension kept)."""
    name = os.path.basename(str(name or "").replace("\\", "/"))
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    name = " ".join(name.split()).strip(" .")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        extension = extension[:10] if dot and stem else ""
        name = (stem if extension else name)[: 200 - len(extension) - 1].rstrip(" .")
        name = f"{name}.{extension}" if extension else name
    return name


def document_upload_size_check(*, content_length) -> None:
    """Refuse a request whose body is far over the limit before it is read (its other
    fields and the multipart framing get UPLOAD_OVERHEAD_BYTES); `document_upload`
    checks the file itself either way."""
    try:
        length = int(content_length or 0)
    except (TypeError, ValueError):
        return
    limit = settings.DOCUMENT_MAX_BYTES
    if length > limit + UPLOAD_OVERHEAD_BYTES:
        message = _too_large(length, limit)
        raise DocumentTooLarge(message, extra={"fields": {"file": [message]}})


def _too_large(size: int, limit: int) -> str:
    return (
        f"The file is {filesizeformat(size)}; documents can be at most "
        f"{filesizeformat(limit)}. Scan at a lower resolution, or send one page at a time."
    )


def _size_of(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
    return int(size)


def _require_uploader(user, patient: Patient) -> None:
    actor = actor_for(user)
    if actor is None:
        raise RoleNotAllowed("Sign in to upload a document.")
    if actor.is_patient:
        if actor.patient_id != patient.pk:
            raise RoleNotAllowed("You can upload documents to your own record only.")
    elif actor.clinic_id != patient.clinic_id:
        raise NotInClinic("That patient is not a patient of your clinic.")


@transaction.atomic
def document_upload(
    *,
    patient: Patient,
    uploaded_by,
    file,
    kind: str,
    document_date=None,
    notes: str = "",
) -> PatientDocument:
    """Store `file` (an uploaded file) on the patient's record as a document of `kind`.

    `uploaded_by` is the user: the patient themself (portal) or a staff member of the
    patient's clinic (the callers have already scoped the patient to what they may see).

    Raises RoleNotAllowed / NotInClinic for anyone else; DocumentTooLarge (413) over
    DOCUMENT_MAX_BYTES; DocumentRefused (400, per field) for a missing or empty file, a
    type not accepted (judged by content), an unknown kind or a date in the future. A
    refusal stores nothing.
    """
    _require_uploader(uploaded_by, patient)
    if file is None:
        raise DocumentRefused(
            f"Choose a file: {ACCEPTED}.", extra={"fields": {"file": ["Choose a file."]}}
        )
    size = _size_of(file)
    limit = settings.DOCUMENT_MAX_BYTES
    if size > limit:
        message = _too_large(size, limit)
        raise DocumentTooLarge(message, extra={"fields": {"file": [message]}})
    if size == 0:
        raise DocumentRefused(
            "The file is empty.", extra={"fields": {"file": ["The file is empty."]}}
        )
    file.seek(0)
    content_type = document_content_type(file.read(SNIFF_BYTES))
    if content_type is None:
        message = f"This file is not {ACCEPTED}: upload the document as one of those."
        raise DocumentRefused(message, extra={"fields": {"file": [message]}})
    if kind not in DocumentKind.values:
        raise DocumentRefused(
            "Say what the document is.", extra={"fields": {"kind": ["Choose a kind."]}}
        )
    if document_date is not None and document_date > patient.clinic.today():
        message = "The document's date cannot be in the future."
        raise DocumentRefused(message, extra={"fields": {"document_date": [message]}})
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        message = f"Keep the notes under {NOTES_MAX} characters."
        raise DocumentRefused(message, extra={"fields": {"notes": [message]}})

    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(64 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    document = PatientDocument(
        clinic_id=patient.clinic_id,
        patient=patient,
        kind=kind,
        document_date=document_date,
        notes=notes,
        original_filename=clean_filename(getattr(file, "name", "")),
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=uploaded_by,
        uploaded_at=timezone.now(),
    )
    # Checked before the file is written, so a refusal leaves nothing in storage.
    try:
        document.full_clean(exclude=["file"])
    except ValidationError as exc:
        raise refusal_from(exc, DocumentRefused) from exc
    document.file.save("document", file if isinstance(file, File) else File(file), save=False)
    try:
        document.save()
    except BaseException:
        document.file.storage.delete(document.file.name)
        raise
    return document


def _require_reviewer(by: StaffMember, document: PatientDocument, doing: str) -> None:
    if by is None or by.clinic_id != document.clinic_id or not by.is_active:
        raise NotInClinic("That staff member does not work at this patient's clinic.")
    if by.role not in REVIEWER_ROLES:
        raise RoleNotAllowed(f"Only medical staff and clinic admins may {doing}.")


@transaction.atomic
def document_review(*, document: PatientDocument, by: StaffMember) -> PatientDocument:
    """Mark the document as reviewed by `by` (medical staff or an admin of its clinic).
    Locks the row, so two reviewers at once cannot both record a review.

    Raises RoleNotAllowed / NotInClinic, DocumentWithdrawn (409) and
    DocumentAlreadyReviewed (409, naming who reviewed it)."""
    _require_reviewer(by, document, "mark a document reviewed")
    document = PatientDocument.objects.select_for_update().get(pk=document.pk)
    if document.withdrawn_at is not None:
        raise DocumentWithdrawn("This document was withdrawn; there is nothing to review.")
    if document.reviewed_at is not None:
        reviewer = StaffMember.objects.select_related("user").get(pk=document.reviewed_by_id)
        raise DocumentAlreadyReviewed(f"{reviewer.display_name} already reviewed this document.")
    document.reviewed_by = by
    document.reviewed_at = timezone.now()
    document.save(update_fields=["reviewed_by", "reviewed_at"])
    return document


@transaction.atomic
def document_withdraw(
    *, document: PatientDocument, by: StaffMember, reason: str
) -> PatientDocument:
    """Take a document off the lists (uploaded by mistake, the wrong patient's, unreadable),
    with the reason. The file and the row are kept; only staff who may review may withdraw.

    Raises RoleNotAllowed / NotInClinic, InvalidInput without a reason, DocumentWithdrawn
    (409) if it already is."""
    _require_reviewer(by, document, "withdraw a document")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "Say why the document is withdrawn.", extra={"fields": {"reason": ["Required."]}}
        )
    document = PatientDocument.objects.select_for_update().get(pk=document.pk)
    if document.withdrawn_at is not None:
        raise DocumentWithdrawn("This document is already withdrawn.")
    document.withdrawn_by = by
    document.withdrawn_at = timezone.now()
    document.withdrawal_reason = reason[:500]
    document.save(update_fields=["withdrawn_by", "withdrawn_at", "withdrawal_reason"])
    return document


def document_open(*, document: PatientDocument):
    """The stored file, opened for reading (the caller streams and closes it)."""
    return document.file.storage.open(document.file.name, "rb")
