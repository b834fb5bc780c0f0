from rest_framework import status

from backend.errors import DomainError, InvalidInput

__all__ = [
    "DomainError",
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
]


class NoteIsSigned(DomainError):
    """A signed note never changes; corrections are addenda."""

    code = "note_signed"


class NoteNotSigned(DomainError):
    code = "note_not_signed"


class NoteAlreadyExists(DomainError):
    code = "note_exists"


class NotTheAuthor(DomainError):
    code = "not_the_author"
    status_code = status.HTTP_403_FORBIDDEN


class StaleDraft(DomainError):
    """The draft was saved elsewhere since this copy was loaded."""

    code = "stale_draft"


class RequiredFieldsMissing(InvalidInput):
    code = "required_fields_missing"


class TemplateNotForSession(InvalidInput):
    code = "template_not_for_session"


class NoteAlreadyWithheld(DomainError):
    code = "note_withheld"


class NoteNotWithheld(DomainError):
    code = "note_not_withheld"
