"""Drafting a progress note: opening it for a session and saving the draft (autosave)."""

from django.db import transaction

from integration_notes.errors import (
    InvalidInput,
    NoteAlreadyExists,
    NoteIsSigned,
    NotTheAuthor,
    StaleDraft,
    TemplateNotForSession,
)
from integration_notes.models import Note, NoteTemplate
from integration_notes.services.content import (
    _require_author,
    _text_of,
    _word_count_of,
    clean_content,
)
from practice.choices import SessionStatus
from practice.models import Session, StaffMember


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
    # Locks the note (and, as ever, its template); the clinic, session and patient come
    # along unlocked for the change log's name of the note and the caller's answer.
    note = (
        Note.objects.select_for_update(of=("self", "template"))
        .select_related("template", "clinic", "session__patient")
        .get(pk=note.pk)
    )
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
    # Only these columns change; the others are the locked row as it was validated when it
    # was written (checking its session, template and author again would be eight reads).
    note.full_clean(exclude=[f.name for f in Note._meta.fields if f.name not in DRAFT_FIELDS])
    note.save(update_fields=[*DRAFT_FIELDS, "updated_at"])
    return note


# What saving a draft writes.
DRAFT_FIELDS = ("content", "search_text", "word_count", "revision")
