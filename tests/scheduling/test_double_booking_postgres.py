"""On PostgreSQL nobody is double-booked even under concurrency or a write that bypasses
the services (exclusion constraints of scheduling migration 0003)."""

import datetime as dt
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection, transaction

from practice.models import Session
from scheduling.errors import BookingConflict
from scheduling.services.booking import session_book
from tests.conftest import requires_postgres
from tests.factories import (
    ClinicFactory,
    PatientFactory,
    RoomFactory,
    SessionFactory,
    StaffFactory,
    working_hours_every_day,
)
from tests.scheduling.conftest import local

pytestmark = [requires_postgres, pytest.mark.postgres]

THREADS = 20
START = local(2031, 6, 4, 10)
END = START + dt.timedelta(hours=1)


def race(attempts):
    """Run the 20 attempts at once; each returns "booked" or the conflict message."""
    barrier = threading.Barrier(THREADS)

    def run(attempt):
        try:
            barrier.wait()
            attempt()
            return "booked"
        except BookingConflict as conflict:
            return conflict.message
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, attempts))


@pytest.fixture
def world(transactional_db):
    clinic = ClinicFactory()
    clinicians = [StaffFactory(clinic=clinic) for _ in range(THREADS)]
    for clinician in clinicians:
        working_hours_every_day(clinician)
    return {
        "clinic": clinic,
        "clinicians": clinicians,
        "patients": [PatientFactory(clinic=clinic) for _ in range(THREADS)],
        "rooms": [RoomFactory(clinic=clinic) for _ in range(THREADS)],
    }


def attempt(patient, clinician, room):
    return lambda: session_book(
        patient=patient,
        clinician=clinician,
        kind="integration",
        starts_at=START,
        ends_at=END,
        room=room,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("shared", ["room", "clinician", "patient"])
def test_twenty_concurrent_bookings_of_one_resource_yield_one_session(world, shared):
    attempts = [
        attempt(
            world["patients"][0 if shared == "patient" else i],
            world["clinicians"][0 if shared == "clinician" else i],
            world["rooms"][0 if shared == "room" else i],
        )
        for i in range(THREADS)
    ]
    results = race(attempts)
    assert results.count("booked") == 1
    refusals = [r for r in results if r != "booked"]
    assert len(refusals) == THREADS - 1
    winner = Session.objects.get()
    expected = {
        "room": f"Room {winner.room.name} is booked",
        "clinician": f"{winner.clinician.display_name} is booked",
        "patient": "The patient already has a session",
    }[shared]
    assert all(expected in r and winner.get_kind_display().lower() in r for r in refusals)


@pytest.mark.django_db(transaction=True)
def test_a_direct_insert_of_an_overlap_is_refused_by_the_database(world):
    room = world["rooms"][0]
    first = SessionFactory(
        patient=world["patients"][0],
        clinician=world["clinicians"][0],
        room=room,
        starts_at=START,
        ends_at=END,
    )
    overlaps = [
        {"room": room},  # same room
        {"clinician": world["clinicians"][0]},  # same clinician
        {"patient": world["patients"][0], "clinician": world["clinicians"][2]},  # same patient
    ]
    for change in overlaps:
        fields = {
            "patient": world["patients"][1],
            "clinician": world["clinicians"][1],
            "room": world["rooms"][1],
            "starts_at": START + dt.timedelta(minutes=30),
            "ends_at": END + dt.timedelta(minutes=30),
            **change,
        }
        with pytest.raises(IntegrityError, match="double_booked"), transaction.atomic():
            SessionFactory(**fields)
    # Back-to-back, cancelled and same-group rows are allowed.
    SessionFactory(
        patient=first.patient,
        clinician=first.clinician,
        room=room,
        starts_at=END,
        ends_at=END + dt.timedelta(hours=1),
    )
    SessionFactory(
        patient=world["patients"][3],
        clinician=world["clinicians"][3],
        room=room,
        starts_at=START,
        ends_at=END,
        status="cancelled",
    )
    Session.objects.filter(pk=first.pk).update(booking_key=uuid.UUID(int=7))
    SessionFactory(
        patient=world["patients"][4],
        clinician=first.clinician,
        room=room,
        starts_at=START,
        ends_at=END,
        booking_key=uuid.UUID(int=7),
    )
    assert Session.objects.count() == 4
