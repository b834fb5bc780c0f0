"""Rooms: created and changed through full validation (a name is unique in its clinic), and
a room with history is retired, never deleted.

Sessions, series and retreats keep pointing at a retired room, so the record of where a
session was held never changes; booking refuses a retired room for anything new
(`booking_problems`: "Room … is out of use").
"""

from django.db import IntegrityError, transaction

from backend.errors import full_clean_or_refuse
from practice.models import Room, StaffMember
from scheduling.errors import InvalidInput

NAME_TAKEN = "The clinic already has a room with this name."


def _save(room: Room) -> Room:
    full_clean_or_refuse(room)
    try:
        # A savepoint: a concurrent save of the same name that passed validation first
        # makes this one a refusal, not a broken transaction.
        with transaction.atomic():
            room.save()
    except IntegrityError as exc:
        raise InvalidInput(NAME_TAKEN, extra={"fields": {"name": [NAME_TAKEN]}}) from exc
    return room


@transaction.atomic
def room_create(*, clinic_id: int, **fields) -> Room:
    """A new room of the clinic. Raises `InvalidInput` (400) naming the field when the name
    is taken in the clinic or a value is out of range; nothing is saved then."""
    return _save(Room(clinic_id=clinic_id, **fields))


@transaction.atomic
def room_update(*, room: Room, **fields) -> Room:
    """Change a room's fields; refused like `room_create`, leaving the room as it was."""
    for name, value in fields.items():
        setattr(room, name, value)
    return _save(room)


@transaction.atomic
def room_retire(*, room: Room, by: StaffMember) -> Room:
    """Take `room` out of use (`is_active=False`); retiring a retired room changes nothing.

    One conditional UPDATE: it waits for a booking that holds the room's row lock
    (`session_book` locks the room first), so that booking finishes with the room active and
    every later one sees it retired. Raises `InvalidInput` when `by` is not staff of the
    room's clinic.
    """
    if by.clinic_id != room.clinic_id:
        raise InvalidInput("Only staff of the room's clinic may retire it.")
    Room.objects.filter(pk=room.pk, is_active=True).update(is_active=False)
    room.is_active = False
    return room
