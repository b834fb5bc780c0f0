"""Note templates: validating a field list, adding a template, revising it into a new
version, and installing the built-in ones."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from integration_notes.builtin_templates import BUILTIN_TEMPLATES
from integration_notes.choices import FieldKind
from integration_notes.errors import InvalidInput
from integration_notes.models import NoteTemplate
from practice.models import Clinic


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
