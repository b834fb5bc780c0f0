from django.db import models


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class FieldKind(models.TextChoices):
    """The kinds of structured field a note template may hold."""

    TEXT = "text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    YES_NO = "yes_no", "Yes / no"
    CHOICE = "choice", "Choice"
    SCALE = "scale", "Scale 0–10"
