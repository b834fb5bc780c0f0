"""Free-slot search and conflict checks at 100k sessions.

Data: one clinic, 20 therapists and 4 medical staff working Mon–Fri 8:00–18:00, 10 rooms
(4 dosing-capable), 3,000 patients and 100,000 one- or two-hour sessions over four years
around "now", each clinician's day about 60 % booked, half of the sessions in a room.
"""

import datetime as dt
import random
import statistics
import time
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from practice.models import Clinic, Patient, Room, Session, StaffMember
from scheduling.models import WorkingHours
from scheduling.selectors import free_slots
from scheduling.services.availability import local_instant
from scheduling.services.booking import booking_conflicts

SESSIONS = 100_000


def _build():
    from django.contrib.auth import get_user_model

    rng = random.Random(7)
    clinic = Clinic.objects.create(name="Bench clinic", timezone="America/Denver")
    User = get_user_model()
    staff = []
    for i in range(24):
        user = User.objects.create(username=f"bench{i}")
        staff.append(
            StaffMember.objects.create(
                user=user, clinic=clinic, role="therapist" if i < 20 else "medical"
            )
        )
    WorkingHours.objects.bulk_create(
        WorkingHours(
            clinic=clinic, clinician=s, weekday=d, start_time=dt.time(8), end_time=dt.time(18)
        )
        for s in staff
        for d in range(5)
    )
    rooms = [
        Room.objects.create(clinic=clinic, name=f"Room {i}", dosing_capable=i < 4)
        for i in range(10)
    ]
    patients = Patient.objects.bulk_create(
        Patient(
            clinic=clinic,
            legal_first_name=f"P{i}",
            legal_last_name="Bench",
            date_of_birth=dt.date(1980, 1, 1),
        )
        for i in range(3000)
    )
    zone = clinic.zone
    today = timezone.now().astimezone(zone).date()
    day = today - dt.timedelta(days=730)
    rows = []
    while len(rows) < SESSIONS:
        if day.weekday() < 5:
            room_busy, patient_busy = set(), set()
            for clinician in staff:
                hour = 8
                while hour < 18 and len(rows) < SESSIONS:
                    length = rng.choice((1, 1, 2))
                    if hour + length > 18 or rng.random() > 0.6:
                        hour += 1
                        continue
                    hours = set(range(hour, hour + length))
                    # Half the sessions need no room (telehealth, the therapist's office).
                    room = None
                    if rng.random() < 0.5:
                        room = next(
                            (
                                r
                                for r in rng.sample(rooms, len(rooms))
                                if not any((r.pk, h) in room_busy for h in hours)
                            ),
                            None,
                        )
                    patient = next(
                        p
                        for p in (rng.choice(patients) for _ in range(50))
                        if not any((p.pk, h) in patient_busy for h in hours)
                    )
                    room_busy |= {(room.pk, h) for h in hours} if room else set()
                    patient_busy |= {(patient.pk, h) for h in hours}
                    start = local_instant(day, dt.time(hour), zone)
                    rows.append(
                        Session(
                            clinic=clinic,
                            patient=patient,
                            clinician=clinician,
                            room=room,
                            kind="dosing" if room and room.dosing_capable else "integration",
                            starts_at=start,
                            ends_at=start + dt.timedelta(hours=length),
                            booking_key=uuid.uuid4(),
                        )
                    )
                    hour += length
        day += dt.timedelta(days=1)
    for i in range(0, len(rows), 5000):
        Session.objects.bulk_create(rows[i : i + 5000])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE practice_session")
    return clinic, staff, rooms, zone


def _time(fn, repeat=20):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return result, statistics.median(times), times[int(len(times) * 0.95) - 1]


def run():
    t0 = time.perf_counter()
    clinic, staff, rooms, _zone = _build()
    print(f"built {Session.objects.count():,} sessions in {time.perf_counter() - t0:.1f} s")
    now = timezone.now()
    cases = {
        "10 slots, 120 min, any therapist + dosing room, next 4 weeks": {
            "start": now,
            "end": now + dt.timedelta(days=28),
            "length": dt.timedelta(minutes=120),
            "count": 10,
        },
        "10 slots, 60 min, one clinician + dosing room, next 8 weeks": {
            "start": now,
            "end": now + dt.timedelta(days=56),
            "length": dt.timedelta(minutes=60),
            "count": 10,
            "clinicians": [staff[3]],
        },
        "5 slots, 180 min, one clinician + dosing room, next 6 months": {
            "start": now,
            "end": now + dt.timedelta(days=182),
            "length": dt.timedelta(minutes=180),
            "count": 5,
            "clinicians": [staff[5]],
        },
    }
    for label, kwargs in cases.items():
        with CaptureQueriesContext(connection) as queries:
            slots = free_slots(clinic=clinic, room_needed="dosing", **kwargs)
        _, median, p95 = _time(
            lambda kw=kwargs: free_slots(clinic=clinic, room_needed="dosing", **kw)
        )
        print(
            f"{label}: {len(slots)} found, median {median:.1f} ms, p95 {p95:.1f} ms, "
            f"{len(queries)} queries"
        )
    start = now + dt.timedelta(days=3)
    _, median, p95 = _time(
        lambda: booking_conflicts(
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            clinician=staff[0],
            room=rooms[0],
            patients=[],
        ),
        repeat=50,
    )
    print(f"conflict check for one booking: median {median:.2f} ms, p95 {p95:.2f} ms")
