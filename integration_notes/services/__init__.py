"""Writes to notes: templates and their versions, drafts, signing, addenda, withholding from
the patient, patient-facing summaries and psychotherapy notes, one module per concern.

Every function is keyword-only, runs in one transaction, locks the row it changes, and
raises a DomainError from `integration_notes.errors` (409 for a rule, 400 for bad input,
403 when the person is not the note's author) with nothing changed.

Every public name is re-exported here, so callers keep `from integration_notes import
services` and `services.note_sign(...)`; so are the errors the services raise.
"""

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
from integration_notes.services.content import (
    CLINICIAN_ROLES,
    WORD,
    clean_content,
    word_count,
)
from integration_notes.services.drafting import note_save_draft, note_start
from integration_notes.services.psychotherapy import (
    psychotherapy_note_create,
    psychotherapy_note_update,
    psychotherapy_notes_reencrypt,
)
from integration_notes.services.signing import (
    addendum_add,
    canonical_content,
    content_hash,
    note_hash_matches,
    note_sign,
)
from integration_notes.services.summaries import summary_save
from integration_notes.services.templates import (
    note_template_create,
    note_template_revise,
    note_templates_install,
    validate_template_fields,
)
from integration_notes.services.withholding import (
    WITHHELD_FIELDS,
    note_release,
    note_withhold,
)

__all__ = [
    "CLINICIAN_ROLES",
    "WITHHELD_FIELDS",
    "WORD",
    "InvalidInput",
    "NotTheAuthor",
    "NoteAlreadyExists",
    "NoteAlreadyWithheld",
    "NoteIsSigned",
    "NoteNotSigned",
    "NoteNotWithheld",
    "RequiredFieldsMissing",
    "StaleDraft",
    "TemplateNotForSession",
    "addendum_add",
    "canonical_content",
    "clean_content",
    "content_hash",
    "note_hash_matches",
    "note_release",
    "note_save_draft",
    "note_sign",
    "note_start",
    "note_template_create",
    "note_template_revise",
    "note_templates_install",
    "note_withhold",
    "psychotherapy_note_create",
    "psychotherapy_note_update",
    "psychotherapy_notes_reencrypt",
    "summary_save",
    "validate_template_fields",
    "word_count",
]
