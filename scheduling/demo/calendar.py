"""The demo clinic's calendar: rooms, working hours, sessions over the coming weeks (one
integration session by video for Eleanor), a maintenance series, and an upcoming retreat
with enrollments and a waitlist (fictional).

Runs after the clinical seed (screenings and plans). Idempotent: rooms and hours are found
by name; sessions, the series and the retreat are created once (the retreat is the marker).
"""

import contextlib
import datetime as dt
from decimal import Decimal

from backend.errors import DomainError
from practice import services as practice_services
from practice.choices import Route
from practice.models import Patient, Room
from practice.selectors import plan_running_for, screening_current, screening_problem
from scheduling.models import Retreat, WorkingHours
from scheduling.services import retreats
from scheduling.services.availability import local_instant, working_hours_set
from scheduling.services.booking import group_session_book, session_book
from scheduling.services.series import series_book

RETREAT = "Spring Renewal Intensive"
ROOMS = [
    # name, capacity, dosing-capable, description
    ("Aspen", 4, True, "Four recliners, monitors, oxygen"),
    ("Birch", 4, True, "Four recliners, monitors, oxygen"),
    ("Circle room", 12, False, "Integration circles and groups"),
    ("Consult 1", 1, False, "Preparation and integration"),
]
RETREAT_COHORT = [
    ("Lena", "Marsh"), ("Owen", "Pryce"), ("Talia", "Brooks"), ("Graham", "Ibarra"),
    ("Nadia", "Kerr"), ("Felix", "Moreau"),
]  # fmt: skip


def _cleared(patient: Patient, medical, today) -> None:
    """A cleared screening and a running plan, through the clinical services."""
    if screening_problem(screening_current(patient=patient, on=today), today):
        practice_services.screening_record(
            patient=patient,
            by=medical,
            screened_on=today - dt.timedelta(days=10),
            baseline_systolic=118,
            baseline_diastolic=76,
            baseline_heart_rate=70,
            weight_kg=Decimal("72.0"),
        )
    if plan_running_for(patient=patient) is None:
        plan = practice_services.plan_create(
            patient=patient,
            by=medical,
            route=Route.INTRAMUSCULAR,
            starting_dose_mg_per_kg=Decimal("0.50"),
        )
        practice_services.plan_activate(plan=plan, by=medical)


def _next_weekday(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7 or 7)


def seed(ctx: dict) -> dict:
    clinic, staff, patients = ctx["clinic"], ctx["staff"], ctx["patients"]
    zone = clinic.zone
    rooms = {}
    for name, capacity, dosing, description in ROOMS:
        rooms[name], _ = Room.objects.get_or_create(
            clinic=clinic,
            name=name,
            defaults={"capacity": capacity, "dosing_capable": dosing, "description": description},
        )
    clinicians = [s for s in staff.values() if s.role in ("therapist", "medical")]
    for clinician in clinicians:
        if not WorkingHours.objects.filter(clinician=clinician).exists():
            working_hours_set(
                clinician=clinician,
                weekly=[(d, dt.time(8), dt.time(18)) for d in range(5)],
            )
    ctx["rooms"] = rooms
    if Retreat.objects.filter(clinic=clinic, name=RETREAT).exists():
        return ctx

    therapist, therapist2, medical = staff["therapist"], staff["therapist2"], staff["medical"]
    today = clinic.today()
    monday = _next_weekday(today, 0)

    def at(day, hour, minute=0):
        return local_instant(day, dt.time(hour, minute), zone)

    def book(**kwargs):
        try:
            return session_book(**kwargs)
        except DomainError:
            return None  # the demo is best effort around what earlier seeds booked

    # Individual sessions over the next three weeks for the clinic's own patients.
    people = list(patients.values())
    for week in range(3):
        for i, patient in enumerate(people):
            day = monday + dt.timedelta(days=7 * week + i % 5)
            clinician = therapist if i % 2 == 0 else therapist2
            book(
                patient=patient,
                clinician=clinician,
                kind="integration" if week else "preparation",
                starts_at=at(day, 9 + (i // 5) * 2),
                ends_at=at(day, 10 + (i // 5) * 2),
                room=rooms["Consult 1"] if i % 2 == 0 else None,
            )
    # An integration session by video for Eleanor (she signed the telehealth consent).
    if "eleanor" in patients:
        video_day = monday + dt.timedelta(days=3)
        book(
            patient=patients["eleanor"],
            clinician=therapist,
            kind="integration",
            modality="video",
            starts_at=at(video_day, 16),
            ends_at=at(video_day, 16, 50),
        )
    # A dosing session for the first patient with a running plan (clinical seed).
    for patient in people:
        plan = plan_running_for(patient=patient)
        if plan is not None and not screening_problem(
            screening_current(patient=patient, on=today), today
        ):
            book(
                patient=patient,
                clinician=medical,
                kind="dosing",
                starts_at=at(monday + dt.timedelta(days=1), 13),
                ends_at=at(monday + dt.timedelta(days=1), 15),
                room=rooms["Birch"],
                plan=plan,
            )
            break
    # A maintenance series: dosing every four weeks for six months.
    maintained = patients.get("eleanor") or people[0]
    _cleared(maintained, medical, today)
    with contextlib.suppress(DomainError):
        series_book(
            patient=maintained,
            clinician=medical,
            kind="dosing",
            first_starts_at=at(monday + dt.timedelta(days=3), 10),
            duration_minutes=120,
            interval_days=28,
            occurrences=6,
            room=rooms["Aspen"],
            plan=plan_running_for(patient=maintained),
            booked_by=staff["admin"],
        )
    # An integration group on Wednesday.
    with contextlib.suppress(DomainError):
        group_session_book(
            patients=people[:4],
            clinician=therapist2,
            kind="integration",
            starts_at=at(monday + dt.timedelta(days=2), 16),
            ends_at=at(monday + dt.timedelta(days=2), 17, 30),
            room=rooms["Circle room"],
        )

    # The retreat, five weeks out: 8 places, 10 enrolled (2 waitlisted).
    cohort = list(people)
    for first, last in RETREAT_COHORT:
        patient = Patient.objects.filter(
            clinic=clinic, legal_first_name=first, legal_last_name=last
        ).first() or practice_services.patient_create(
            clinic=clinic,
            legal_first_name=first,
            legal_last_name=last,
            date_of_birth=dt.date(1980 + len(last), 1 + len(first) % 12, 10),
            email=f"{first.lower()}.{last.lower()}@example.com",
            escort_name=f"Sam {last}",
        )
        if not patient.diagnoses.exists():
            practice_services.diagnosis_add(patient=patient, code="F41.1")
        if not patient.care_team.exists():
            practice_services.care_team_add(patient=patient, staff=therapist, is_primary=True)
        cohort.append(patient)
    start = monday + dt.timedelta(weeks=5)
    retreat = retreats.retreat_create(
        clinic=clinic,
        name=RETREAT,
        starts_on=start,
        ends_on=start + dt.timedelta(days=4),
        capacity=8,
        price=Decimal("4800.00"),
        location="Clearwater retreat house, Sunshine Canyon",
        description="Five days: preparation, three dosing mornings with integration circles, "
        "and a closing day.",
        staff=[therapist, therapist2, medical],
        rooms=[rooms["Aspen"], rooms["Birch"], rooms["Circle room"]],
    )
    retreats.retreat_template_default(retreat=retreat)
    for patient in cohort[:10]:
        _cleared(patient, medical, today)
        retreats.enrollment_create(retreat=retreat, patient=patient)
    # A refusal is shown on the retreat page; the admin can fix it and regenerate.
    with contextlib.suppress(DomainError):
        retreats.timetable_generate(retreat=retreat, by=staff["admin"])
    ctx["retreat"] = retreat
    return ctx
