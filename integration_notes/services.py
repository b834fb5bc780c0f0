"""Writes to notes: templates and their versions, drafts, signing, addenda, patient-facing
summaries and psychotherapy notes.

Every function is keyword-only, runs in one transaction, locks the row it changes, and
raises a DomainError from `integration_notes.errors` (409 for a rule, 400 for bad input,
403 when the person is not the note's author) with nothing changed.
"""

import hashlib
import json
import re

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from integration_notes.builtin_templates import BUILTIN_TEMPLATES
from integration_notes.choices import FieldKind, NoteStatus
from integration_notes.crypto import rotate
from integration_notes.errors import (
    InvalidInput,
    NoteAlreadyExists,
    NoteAlreadyWithheld,
    NoteIsSigned,
    NoteNotSigned,
    NoteNotWithheld,
    NotTheAuthor,
    RequiredFieldsMissing,
    StaleDraft,
    TemplateNotForSession,
)
from integration_notes.models import (
    Addendum,
    IntegrationSummary,
    Note,
    NoteTemplate,
    PsychotherapyNote,
)
from practice.choices import SessionStatus, StaffRole
from practice.models import CareTeam, Clinic, Patient, Session, StaffMember

CLINICIAN_ROLES = {StaffRole.THERAPIST, StaffRole.MEDICAL}
WORD = re.compile(r"\w+(?:['’-]\w+)*")


# --- templates -------------------------------------------------------------------------------


def validate_template_fields(fields) -> list[dict]:
    """Normalise a template's field list or raise ValidationError saying what is wrong."""
    if not isinstance(fields, list) or not fields:
        raise ValidationError({"fields": ["A template needs at least one field."]})
    seen: set[str] = set()
    clean = []
    for i, field in enumerate(fields, start=1):
        if not isinstance(field, dict):
            raise ValidationError({"fields": [f"Field {i} must be an object."]})
        key = str(field.get("key", "")).strip()
        label = str(field.get("label", "")).strip()
        kind = field.get("kind", FieldKind.LONG_TEXT)
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", key):
            raise ValidationError(
                {"fields": [f"Field {i}: key must be lowercase letters, digits and _."]}
            )
        if key in seen:
            raise ValidationError({"fields": [f"Field {i}: the key {key!r} is used twice."]})
        if not label:
            raise ValidationError({"fields": [f"Field {i}: a label is required."]})
        if kind not in FieldKind.values:
            raise ValidationError({"fields": [f"Field {i}: unknown kind {kind!r}."]})
        item = {
            "key": key,
            "label": label,
            "kind": kind,
            "required": bool(field.get("required", False)),
            "help": str(field.get("help", "")),
        }
        if kind == FieldKind.CHOICE:
            options = [str(o).strip() for o in field.get("options") or [] if str(o).strip()]
            if len(options) < 2:
                raise ValidationError({"fields": [f"Field {i}: a choice needs two options."]})
            item["options"] = options
        seen.add(key)
        clean.append(item)
    return clean


@transaction.atomic
def note_template_create(
    *,
    clinic: Clinic,
    key: str,
    name: str,
    fields: list[dict],
    description: str = "",
    session_kinds: list[str] | None = None,
    show_alongside: list[dict] | None = None,
    position: int = 100,
) -> NoteTemplate:
    """Add version 1 of a new clinic template. Raises ValidationError (400)."""
    template = NoteTemplate(
        clinic=clinic,
        key=key,
        version=1,
        name=name,
        description=description,
        session_kinds=list(session_kinds or []),
        fields=validate_template_fields(fields),
        show_alongside=list(show_alongside or []),
        position=position,
    )
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def note_template_revise(*, template: NoteTemplate, **changes) -> NoteTemplate:
    """Add the next version of `template` with `changes` and retire the current one.

    Locks the current version's row, so two revisions cannot both become current. Notes
    already written keep pointing at the version they were written with.
    """
    allowed = {"name", "description", "session_kinds", "fields", "show_alongside", "position"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: ["This field cannot be revised."] for name in unknown})
    current = (
        NoteTemplate.objects.select_for_update()
        .filter(clinic_id=template.clinic_id, key=template.key, is_current=True)
        .first()
    )
    if current is None:
        raise InvalidInput("This template has no current version to revise.")
    latest = (
        NoteTemplate.objects.filter(clinic_id=template.clinic_id, key=template.key)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    revised = NoteTemplate(
        clinic_id=current.clinic_id,
        key=current.key,
        version=latest + 1,
        name=changes.get("name", current.name),
        description=changes.get("description", current.description),
        session_kinds=list(changes.get("session_kinds", current.session_kinds)),
        fields=validate_template_fields(changes.get("fields", current.fields)),
        show_alongside=list(changes.get("show_alongside", current.show_alongside)),
        position=changes.get("position", current.position),
    )
    NoteTemplate.objects.filter(pk=current.pk).update(is_current=False)
    revised.full_clean(validate_constraints=False)
    revised.save()
    return revised


@transaction.atomic
def note_templates_install(*, clinic: Clinic) -> list[NoteTemplate]:
    """Give `clinic` the built-in templates it does not have yet (idempotent)."""
    existing = set(NoteTemplate.objects.filter(clinic=clinic).values_list("key", flat=True))
    created = []
    for spec in BUILTIN_TEMPLATES:
        if spec["key"] not in existing:
            created.append(note_template_create(clinic=clinic, **spec))
    return created


# --- notes -----------------------------------------------------------------------------------


def _require_author(note: Note, staff: StaffMember) -> None:
    if note.author_id != staff.pk:
        raise NotTheAuthor("Only the note's author can change or sign it.")


def clean_content(template: NoteTemplate, content: dict) -> dict:
    """Keep the template's fields only, each as its kind's type. Raises InvalidInput."""
    if not isinstance(content, dict):
        raise InvalidInput("The note's content must be an object of field values.")
    unknown = set(content) - {f["key"] for f in template.fields}
    if unknown:
        raise InvalidInput(
            f"The template has no field {', '.join(sorted(unknown))}.", code="unknown_field"
        )
    clean = {}
    for field in template.fields:
        if field["key"] not in content:
            continue
        value = content[field["key"]]
        kind = field["kind"]
        label = field["label"]
        if kind in (FieldKind.TEXT, FieldKind.LONG_TEXT):
            value = "" if value is None else str(value)
            if kind == FieldKind.TEXT and len(value) > 500:
                raise InvalidInput(f"{label}: at most 500 characters.")
            if len(value) > 50_000:
                raise InvalidInput(f"{label}: at most 50,000 characters.")
        elif kind == FieldKind.YES_NO:
            if value in ("", None):
                value = None
            elif value in (True, "true", "yes", "on", "1", 1):
                value = True
            elif value in (False, "false", "no", "0", 0):
                value = False
            else:
                raise InvalidInput(f"{label}: answer yes or no.")
        elif kind == FieldKind.CHOICE:
            value = "" if value is None else str(value)
            if value and value not in field.get("options", []):
                raise InvalidInput(f"{label}: choose one of {', '.join(field['options'])}.")
        elif kind == FieldKind.SCALE:
            if value in ("", None):
                value = None
            else:
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    raise InvalidInput(f"{label}: a whole number from 0 to 10.") from None
                if not 0 <= value <= 10:
                    raise InvalidInput(f"{label}: a whole number from 0 to 10.")
        clean[field["key"]] = value
    return clean


def _is_answered(value) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def _text_of(template: NoteTemplate, content: dict, *, kinds=None) -> str:
    parts = []
    for field in template.fields:
        value = content.get(field["key"])
        if kinds and field["kind"] not in kinds:
            continue
        if isinstance(value, str) and value.strip():
            parts.append(value)
    return "\n".join(parts)


def _word_count_of(template: NoteTemplate, content: dict) -> int:
    """Words the clinician wrote (text fields; a chosen option is not writing)."""
    return word_count(_text_of(template, content, kinds={FieldKind.TEXT, FieldKind.LONG_TEXT}))


def word_count(text: str) -> int:
    return len(WORD.findall(text))


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
def note_start(
    *, session: Session, author: StaffMember, template: NoteTemplate, content: dict | None = None
) -> Note:
    """Open the progress note of `session` as a draft.

    Guarantees one note per session (the unique key on session, and the session row is
    locked). Raises NotTheAuthor unless `author` is the session's clinician,
    TemplateNotForSession for another clinic's or a retired template, NoteAlreadyExists.
    """
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.clinician_id != author.pk:
        raise NotTheAuthor("Only the session's clinician writes its progress note.")
    if session.status == SessionStatus.CANCELLED:
        raise InvalidInput("A cancelled session has no progress note.", code="session_cancelled")
    if template.clinic_id != session.clinic_id or not template.is_current:
        raise TemplateNotForSession("Choose one of your clinic's current templates.")
    if template.session_kinds and session.kind not in template.session_kinds:
        raise TemplateNotForSession(
            f"The {template.name} template is for "
            f"{' or '.join(template.session_kinds)} sessions, not {session.kind}."
        )
    if Note.objects.filter(session=session).exists():
        raise NoteAlreadyExists("This session already has a progress note.")
    clean = clean_content(template, content or {})
    text = _text_of(template, clean)
    note = Note(
        clinic_id=session.clinic_id,
        patient_id=session.patient_id,
        session=session,
        template=template,
        author=author,
        content=clean,
        search_text=text,
        word_count=_word_count_of(template, clean),
        revision=1,
    )
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def note_save_draft(
    *, note: Note, author: StaffMember, content: dict, revision: int | None = None
) -> Note:
    """Save the draft's fields (autosave). `content` may hold only some fields.

    Locks the note row. Raises NoteIsSigned once signed, NotTheAuthor, StaleDraft when
    `revision` is given and the draft was saved since (another tab), InvalidInput for a
    value its field cannot take.
    """
    note = Note.objects.select_for_update().select_related("template").get(pk=note.pk)
    if note.is_signed:
        raise NoteIsSigned("This note is signed and can no longer change. Add an addendum.")
    _require_author(note, author)
    if revision is not None and revision != note.revision:
        raise StaleDraft(
            "This draft was saved from another window since you opened it. "
            "Reload to see the latest version.",
            extra={"revision": note.revision},
        )
    merged = {**note.content, **clean_content(note.template, content)}
    note.content = merged
    note.search_text = _text_of(note.template, merged)
    note.word_count = _word_count_of(note.template, merged)
    note.revision += 1
    note.full_clean()
    note.save()
    return note


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


# --- right of access: withholding a note from the patient --------------------------------------

WITHHELD_FIELDS = ["withheld", "withheld_reason", "withheld_by", "withheld_at"]


def _require_withholder(note: Note, staff: StaffMember) -> None:
    """The note's author, or medical staff on the patient's care team, decide what the
    patient may not read (a licensed professional's judgement, 164.524(a)(3))."""
    if staff is None or staff.clinic_id != note.clinic_id:
        raise NotTheAuthor("Only the note's author or the patient's medical staff can do this.")
    if note.author_id == staff.pk:
        return
    on_care_team = CareTeam.objects.filter(patient_id=note.patient_id, staff_id=staff.pk).exists()
    if staff.role != StaffRole.MEDICAL or not on_care_team:
        raise NotTheAuthor("Only the note's author or the patient's medical staff can do this.")


@transaction.atomic
def note_withhold(*, note: Note, staff: StaffMember, reason: str) -> Note:
    """Withhold a signed note from the patient (portal, API, their record export) under a
    164.524 exception, with the reason. Locks the note row; only the withheld columns
    change (the signed content never does) and auditlog records the change.

    Raises NoteNotSigned for a draft (a patient never sees drafts), NoteAlreadyWithheld,
    NotTheAuthor (403) for anyone but the author or medical staff on the care team,
    InvalidInput when the reason is empty.
    """
    note = Note.objects.select_for_update().get(pk=note.pk)
    _require_withholder(note, staff)
    if not note.is_signed:
        raise NoteNotSigned(
            "A draft is never shown to the patient; only a signed note is withheld."
        )
    if note.withheld:
        raise NoteAlreadyWithheld("This note is already withheld from the patient.")
    reason = (reason or "").strip()
    if not reason:
        message = "Give the reason the note is withheld (the 164.524 exception that applies)."
        raise InvalidInput(
            message, code="withhold_reason_required", extra={"fields": {"reason": [message]}}
        )
    note.withheld = True
    note.withheld_reason = reason
    note.withheld_by = staff
    note.withheld_at = timezone.now()
    note.full_clean()
    note.save(update_fields=WITHHELD_FIELDS)
    return note


@transaction.atomic
def note_release(*, note: Note, staff: StaffMember) -> Note:
    """Show a withheld note to the patient again. Same people as `note_withhold`; the
    earlier reason stays in the audit log. Raises NoteNotWithheld, NotTheAuthor."""
    note = Note.objects.select_for_update().get(pk=note.pk)
    _require_withholder(note, staff)
    if not note.withheld:
        raise NoteNotWithheld("This note is not withheld.")
    note.withheld = False
    note.withheld_reason = ""
    note.withheld_by = None
    note.withheld_at = None
    note.full_clean()
    note.save(update_fields=WITHHELD_FIELDS)
    return note


# --- patient-facing summary --------------------------------------------------------------------


@transaction.atomic
def summary_save(
    *, session: Session, author: StaffMember, practices: str, reminders: str = "", share: bool
) -> IntegrationSummary:
    """Write (or rewrite) the patient's take-home summary of a session; `share` shows it in
    their portal. Only the session's clinician writes it. Locks the session row."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.clinician_id != author.pk:
        raise NotTheAuthor("Only the session's clinician writes the patient's summary.")
    practices = (practices or "").strip()
    if not practices:
        raise InvalidInput("Write at least the practices agreed.", code="empty_summary")
    summary = IntegrationSummary.objects.filter(session=session).first() or IntegrationSummary(
        clinic_id=session.clinic_id, patient_id=session.patient_id, session=session, author=author
    )
    summary.practices = practices
    summary.reminders = (reminders or "").strip()
    if share and summary.shared_at is None:
        summary.shared_at = timezone.now()
    elif not share:
        summary.shared_at = None
    summary.full_clean()
    summary.save()
    return summary


# --- psychotherapy notes ---------------------------------------------------------------------


@transaction.atomic
def psychotherapy_note_create(
    *, author: StaffMember, patient: Patient, body: str, session: Session | None = None
) -> PsychotherapyNote:
    """A therapist's private note about a patient (encrypted at rest, author-only)."""
    if author.role not in CLINICIAN_ROLES or author.clinic_id != patient.clinic_id:
        raise NotTheAuthor("Only the patient's clinicians keep psychotherapy notes.")
    if session is not None and session.patient_id != patient.pk:
        raise InvalidInput("That session belongs to another patient.")
    body = (body or "").strip()
    if not body:
        raise InvalidInput("The note is empty.", code="empty_note")
    note = PsychotherapyNote(
        clinic_id=patient.clinic_id, patient=patient, session=session, author=author, body=body
    )
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def psychotherapy_note_update(
    *, note: PsychotherapyNote, author: StaffMember, body: str
) -> PsychotherapyNote:
    note = PsychotherapyNote.objects.select_for_update().get(pk=note.pk)
    if note.author_id != author.pk:
        raise NotTheAuthor("Only the author can change a psychotherapy note.")
    body = (body or "").strip()
    if not body:
        raise InvalidInput("The note is empty.", code="empty_note")
    note.body = body
    note.full_clean()
    note.save(update_fields=["body", "updated_at"])
    return note


def psychotherapy_notes_reencrypt(*, batch_size: int = 200) -> int:
    """Re-encrypt every psychotherapy note under the first key of FIELD_ENCRYPTION_KEYS.

    Each batch is one transaction with its rows locked; safe to run again (a row already
    under the first key is simply rewritten). Returns the number of rows rewritten. Raises
    cryptography's InvalidToken if a row was encrypted under a key no longer listed.
    """

    done = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            rows = list(
                PsychotherapyNote.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not rows:
                return done
            for pk in rows:
                token = _raw_body(pk)
                _write_raw_body(pk, rotate(token))
            done += len(rows)
            last_pk = rows[-1]


def _raw_body(pk: int) -> str:

    table = PsychotherapyNote._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _write_raw_body(pk: int, token: str) -> None:

    table = PsychotherapyNote._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET body = %s WHERE id = %s", [token, pk])  # noqa: S608
