"""What a progress note holds: its fields cleaned to their kinds, its searchable text and
word count, and who may write it. Shared by drafting and signing."""

import re

from integration_notes.choices import FieldKind
from integration_notes.errors import InvalidInput, NotTheAuthor
from integration_notes.models import Note, NoteTemplate
from practice.choices import StaffRole
from practice.models import StaffMember

CLINICIAN_ROLES = {StaffRole.THERAPIST, StaffRole.MEDICAL}
WORD = re.compile(r"\w+(?:['’-]\w+)*")


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
