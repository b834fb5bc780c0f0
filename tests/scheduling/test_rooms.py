"""Rooms live in practice; a room with history is retired through `room_retire`, never
deleted, and a retired room takes no new booking."""

import datetime as dt

import pytest

from practice.models import Room, Session
from scheduling.errors import InvalidInput, RoomNotSuitable
from scheduling.services.booking import session_book
from scheduling.services.rooms import room_retire
from tests.scheduling.conftest import local

pytestmark = pytest.mark.django_db


def book(cal, room, hour):
    return session_book(
        patient=cal.people.patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 3, hour),
        ends_at=local(2027, 2, 3, hour) + dt.timedelta(hours=1),
        room=room,
    )


def test_deleting_a_room_through_the_api_retires_it_and_keeps_its_sessions(cal, api_as):
    held = book(cal, cal.circle, 10)
    rooms_before = Room.objects.count()

    answer = api_as(cal.people.admin).delete(f"/api/v1/rooms/{cal.circle.pk}/")

    assert answer.status_code == 204
    assert Room.objects.count() == rooms_before
    cal.circle.refresh_from_db()
    assert cal.circle.is_active is False
    assert Session.objects.get(pk=held.pk).room_id == cal.circle.pk


def test_a_retired_room_takes_no_new_booking(cal):
    room_retire(room=cal.circle, by=cal.people.admin)

    with pytest.raises(RoomNotSuitable, match="Room Circle room is out of use"):
        book(cal, cal.circle, 12)
    assert Session.objects.count() == 0


def test_retiring_a_retired_room_changes_nothing(cal):
    room_retire(room=cal.circle, by=cal.people.admin)
    again = room_retire(room=cal.circle, by=cal.people.admin)

    assert again.is_active is False
    assert Room.objects.filter(pk=cal.circle.pk, is_active=False).count() == 1


def test_staff_of_another_clinic_cannot_retire_a_room(cal):
    with pytest.raises(InvalidInput):
        room_retire(room=cal.circle, by=cal.people.other_admin)

    cal.circle.refresh_from_db()
    assert cal.circle.is_active is True


@pytest.mark.parametrize(("who", "status"), [("therapist", 403), ("other_admin", 404)])
def test_only_the_clinics_admin_may_retire_a_room(cal, api_as, who, status):
    answer = api_as(getattr(cal.people, who)).delete(f"/api/v1/rooms/{cal.circle.pk}/")

    assert answer.status_code == status
    cal.circle.refresh_from_db()
    assert cal.circle.is_active is True


def test_a_duplicate_room_name_is_a_400_and_saves_nothing(cal, api_as):
    client = api_as(cal.people.admin)
    before = Room.objects.count()

    created = client.post("/api/v1/rooms/", {"name": "Dosing A", "capacity": 1}, format="json")

    assert created.status_code == 400, created.content
    assert created.json()["code"] == "invalid"
    assert Room.objects.count() == before
    renamed = client.patch(f"/api/v1/rooms/{cal.dosing_b.pk}/", {"name": "Dosing A"}, format="json")
    assert renamed.status_code == 400, renamed.content
    cal.dosing_b.refresh_from_db()
    assert cal.dosing_b.name == "Dosing B"


def test_the_same_room_name_in_another_clinic_is_fine(cal, api_as):
    response = api_as(cal.people.other_admin).post(
        "/api/v1/rooms/", {"name": "Dosing A", "capacity": 2}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Room.objects.get(pk=response.json()["id"]).clinic == cal.people.other_clinic
