"""Right of access: withholding a signed note from the patient under a 164.524 exception,
and releasing it again."""

from django.db import transaction
from django.utils import timezone

from integration_notes.errors import (
    InvalidInput,
    NoteAlreadyWithheld,
    NoteNotSigned,
    NoteNotWithheld,
    NotTheAuthor,
)
from integration_notes.models import Note
from practice.choices import StaffRole
from practice.models import CareTeam, StaffMember

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
