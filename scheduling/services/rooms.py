"""Rooms: a room with history is retired, never deleted.

Sessions, series and retreats keep pointing at a retired room, so the record of where a
session was held never changes; booking refuses a retired room for anything new
(`booking_problems`: "Room … is out of use").
"""

from django.db import transaction

from practice.models import Room, StaffMember
from scheduling.errors import InvalidInput


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
