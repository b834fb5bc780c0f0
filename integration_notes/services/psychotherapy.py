"""Psychotherapy notes: a clinician's private, encrypted, author-only notes, and the
re-encryption of their bodies under the current key."""

from django.db import connection, transaction

from integration_notes.crypto import rotate
from integration_notes.errors import InvalidInput, NotTheAuthor
from integration_notes.models import PsychotherapyNote
from integration_notes.services.content import CLINICIAN_ROLES
from practice.models import Patient, Session, StaffMember


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
