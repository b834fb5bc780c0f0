"""Retreats: only cleared patients enroll, the waitlist keeps its order, a cancellation
promotes the first waitlisted patient, and the timetable is all-or-nothing."""

import datetime as dt

import pytest

from messaging.models import Reminder
from practice.models import Session
from scheduling.errors import (
    CapacityBelowEnrolled,
    InvalidInput,
    NotCleared,
    TimetableImpossible,
    WrongState,
)
from scheduling.models import Enrollment, Retreat, RetreatSession
from scheduling.services import retreats
from tests.factories import PatientFactory, RoomFactory, StaffFactory, working_hours_every_day
from tests.scheduling.conftest import clear_for_retreat, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def retreat(cal):
    clinic = cal.people.clinic
    dosing = [cal.dosing_a, cal.dosing_b]
    for room in dosing:
        room.capacity = 4
        room.save()
    clinicians = [cal.people.therapist, cal.people.outsider, cal.people.medical]
    r = retreats.retreat_create(
        clinic=clinic,
        name="Spring intensive",
        starts_on=dt.date(2027, 3, 1),
        ends_on=dt.date(2027, 3, 5),
        capacity=8,
        price="4800.00",
        staff=clinicians,
        rooms=[*dosing, cal.circle],
    )
    retreats.retreat_template_default(retreat=r)
    return r


def cohort(cal, n):
    patients = [PatientFactory(clinic=cal.people.clinic) for _ in range(n)]
    for p in patients:
        clear_for_retreat(p, cal.people.medical)
    return patients


def test_only_a_patient_with_a_cleared_screening_covering_the_retreat_can_enroll(cal, retreat):
    with pytest.raises(NotCleared, match="no cleared screening valid from Mar 01 to Mar 05, 2027"):
        retreats.enrollment_create(retreat=retreat, patient=cal.people.other_patient)
    assert not Enrollment.objects.exists()


def test_enrolling_twice_is_refused(cal, retreat):
    patient = cohort(cal, 1)[0]
    retreats.enrollment_create(retreat=retreat, patient=patient)
    with pytest.raises(WrongState, match="already enrolled"):
        retreats.enrollment_create(retreat=retreat, patient=patient)
    assert Enrollment.objects.count() == 1


def test_the_waitlist_keeps_its_order_and_a_cancellation_promotes_the_first(cal, retreat):
    patients = cohort(cal, 11)
    rows = [retreats.enrollment_create(retreat=retreat, patient=p) for p in patients]
    assert [r.status for r in rows] == ["enrolled"] * 8 + ["waitlisted"] * 3
    assert [r.position for r in rows[8:]] == [1, 2, 3]

    promoted = retreats.enrollment_cancel(enrollment=rows[2])
    assert promoted.pk == rows[8].pk and promoted.status == "enrolled"
    assert promoted.promoted_at is not None
    waiting = Enrollment.objects.filter(retreat=retreat, status="waitlisted").order_by("position")
    assert [(e.patient_id, e.position) for e in waiting] == [
        (patients[9].pk, 1),
        (patients[10].pk, 2),
    ]
    # Leaving the waitlist closes the gap behind.
    retreats.enrollment_cancel(enrollment=waiting[0])
    assert list(
        Enrollment.objects.filter(retreat=retreat, status="waitlisted").values_list(
            "patient_id", "position"
        )
    ) == [(patients[10].pk, 1)]


def test_the_timetable_books_every_enrolled_patient_without_conflicts(cal, retreat):
    patients = cohort(cal, 8)
    for p in patients:
        retreats.enrollment_create(retreat=retreat, patient=p)
    result = retreats.timetable_generate(retreat=retreat)
    items = retreat.template.count()  # 1 + 3×2 + 1 = 8
    assert items == 8
    assert result.created == 8 * items
    dosing = Session.objects.filter(kind="dosing", status="scheduled")
    assert dosing.count() == 8 * 3
    for day in (2, 3, 4):
        morning = dosing.filter(starts_at=local(2027, 3, day, 9))
        assert {s.room.name for s in morning} == {"Dosing A", "Dosing B"}
        assert sorted(morning.values_list("room__name", flat=True)).count("Dosing A") == 4
        assert len({(s.room_id, s.clinician_id, s.booking_key) for s in morning}) == 2
    circle = Session.objects.filter(starts_at=local(2027, 3, 2, 14, 30))
    assert circle.count() == 8 and {s.room.name for s in circle} == {"Circle room"}

    # Regenerating with nothing changed moves nothing.
    again = retreats.timetable_generate(retreat=retreat)
    assert (again.created, again.kept, again.cancelled) == (0, 8 * items, 0)


def test_an_impossible_timetable_names_the_day_and_resource_and_creates_nothing(cal, retreat):
    for p in cohort(cal, 8):
        retreats.enrollment_create(retreat=retreat, patient=p)
    # Dosing B is taken on day 3 in the morning by another booking.
    blocker = Session.objects.create(
        clinic=cal.people.clinic,
        patient=PatientFactory(clinic=cal.people.clinic),
        clinician=StaffFactory(clinic=cal.people.clinic),
        room=cal.dosing_b,
        kind="integration",
        starts_at=local(2027, 3, 3, 8),
        ends_at=local(2027, 3, 3, 10),
    )
    with pytest.raises(TimetableImpossible) as refused:
        retreats.timetable_generate(retreat=retreat)
    message = refused.value.message
    assert "Day 3 (Wed Mar 03) 09:00–12:00 Dosing" in message
    assert "free dosing-capable rooms seat only 4" in message
    assert "Dosing B (integration session 08:00–10:00)" in message
    assert "#" not in message
    assert refused.value.extra["sessions"] == [blocker.pk]
    assert "4 short" in message
    assert Session.objects.count() == 1
    assert not RetreatSession.objects.exists()


def test_a_shortage_of_clinicians_is_named(cal, retreat):
    for p in cohort(cal, 8):
        retreats.enrollment_create(retreat=retreat, patient=p)
    retreats.retreat_resources_set(
        retreat=retreat, staff=[cal.people.therapist], rooms=list(retreat.rooms.all())
    )
    with pytest.raises(TimetableImpossible, match=r"Day 2 .* not enough clinicians — 1 of the"):
        retreats.timetable_generate(retreat=retreat)
    assert not Session.objects.exists()


def test_regenerating_after_a_promotion_moves_only_what_must_move(cal, retreat):
    patients = cohort(cal, 10)
    rows = [retreats.enrollment_create(retreat=retreat, patient=p) for p in patients]
    retreats.timetable_generate(retreat=retreat)
    before = dict(Session.objects.filter(status="scheduled").values_list("pk", "starts_at"))
    promoted = retreats.enrollment_cancel(enrollment=rows[0])
    assert promoted.patient_id == patients[8].pk and promoted.unseated == []
    # The cancelled patient's 8 sessions are cancelled, everyone else's untouched, and the
    # promoted patient is seated at once, in the same transaction.
    assert Session.objects.filter(patient=patients[0], status="cancelled").count() == 8
    assert Session.objects.filter(patient=patients[8], status="scheduled").count() == 8
    result = retreats.timetable_generate(retreat=retreat)
    assert (result.created, result.cancelled, result.kept) == (0, 0, 8 * 8)
    still = dict(
        Session.objects.filter(pk__in=before, status="scheduled").values_list("pk", "starts_at")
    )
    assert len(still) == 7 * 8 and all(before[pk] == at for pk, at in still.items())
    # The promoted patient sits in the freed seat of the same groups.
    freed = Session.objects.filter(patient=patients[0]).order_by("starts_at")
    taken = Session.objects.filter(patient=patients[8]).order_by("starts_at")
    assert [(s.room_id, s.clinician_id, s.booking_key) for s in freed] == [
        (s.room_id, s.clinician_id, s.booking_key) for s in taken
    ]


@pytest.fixture
def _unused():
    return RoomFactory, working_hours_every_day


def test_lowering_the_places_below_those_enrolled_is_refused_and_changes_nothing(cal, retreat):
    rows = [retreats.enrollment_create(retreat=retreat, patient=p) for p in cohort(cal, 5)]
    assert all(r.status == "enrolled" for r in rows)
    with pytest.raises(CapacityBelowEnrolled, match="already has 5 patients enrolled") as refused:
        retreats.retreat_update(retreat=retreat, capacity=4, name="Smaller")
    assert refused.value.status_code == 409
    retreat.refresh_from_db()
    assert (retreat.capacity, retreat.name) == (8, "Spring intensive")
    assert Enrollment.objects.filter(retreat=retreat, status="enrolled").count() == 5


def test_raising_the_places_moves_the_waitlist_up_in_order_and_tells_them(cal, retreat):
    patients = cohort(cal, 11)
    rows = [retreats.enrollment_create(retreat=retreat, patient=p) for p in patients]
    assert [r.status for r in rows[8:]] == ["waitlisted"] * 3

    retreats.retreat_update(retreat=retreat, capacity=10, by=cal.people.admin)

    statuses = dict(Enrollment.objects.filter(retreat=retreat).values_list("patient_id", "status"))
    assert [statuses[p.pk] for p in patients[8:]] == ["enrolled", "enrolled", "waitlisted"]
    assert Enrollment.objects.get(patient=patients[10]).position == 1
    told = Reminder.objects.filter(kind="waitlist_promotion", target_type="enrollment")
    assert sorted(told.values_list("patient_id", flat=True)) == sorted(
        [patients[8].pk, patients[9].pk]
    )


def test_the_standard_template_refused_leaves_no_retreat_behind(cal, monkeypatch):
    def refuse(**kwargs):
        raise InvalidInput("No template today.")

    monkeypatch.setattr(retreats.details, "retreat_template_set", refuse)
    with pytest.raises(InvalidInput, match="No template today"):
        retreats.retreat_create(
            clinic=cal.people.clinic,
            name="Autumn intensive",
            starts_on=dt.date(2027, 9, 1),
            ends_on=dt.date(2027, 9, 3),
            capacity=6,
            price="3000.00",
            staff=[cal.people.therapist],
            rooms=[cal.circle],
            standard_template=True,
        )
    assert not Retreat.objects.filter(name="Autumn intensive").exists()


def test_the_new_retreat_page_creates_it_with_its_template_in_one_step(cal, web_as):
    response = web_as(cal.people.admin).post(
        "/retreats/new/",
        {
            "name": "Autumn intensive",
            "starts_on": "2027-09-01",
            "ends_on": "2027-09-03",
            "capacity": 6,
            "price": "3000.00",
            "staff": [cal.people.therapist.pk],
            "rooms": [cal.circle.pk],
            "standard_template": "on",
        },
    )
    created = Retreat.objects.get(name="Autumn intensive")
    assert response.status_code == 302
    assert response["Location"] == f"/retreats/{created.pk}/"
    assert created.template.count() == 4  # preparation, dosing, circle, closing


def test_a_retreat_page_ending_before_it_starts_says_so_and_creates_nothing(cal, web_as):
    html = (
        web_as(cal.people.admin)
        .post(
            "/retreats/new/",
            {
                "name": "Backwards",
                "starts_on": "2027-09-03",
                "ends_on": "2027-09-01",
                "capacity": 6,
                "price": "3000.00",
                "staff": [cal.people.therapist.pk],
                "rooms": [cal.circle.pk],
            },
        )
        .content.decode()
    )
    assert "The retreat ends before it starts." in html
    assert not Retreat.objects.exists()


def test_the_retreat_page_names_only_the_patients_on_the_readers_care_teams(cal, retreat, web_as):
    people = cal.people
    clear_for_retreat(people.patient, people.medical)
    others = cohort(cal, 3)
    for p in [people.patient, *others]:
        retreats.enrollment_create(retreat=retreat, patient=p)
    retreats.timetable_generate(retreat=retreat)

    html = web_as(people.therapist).get(f"/retreats/{retreat.pk}/").content.decode()
    assert people.patient.display_name in html
    for p in others:
        assert p.display_name not in html and p.legal_last_name not in html
    assert "+3 others" in html  # the circle: everyone in one room

    outsider = web_as(people.outsider).get(f"/retreats/{retreat.pk}/").content.decode()
    assert people.patient.display_name not in outsider
    assert "+4 others" in outsider

    admin = web_as(people.admin).get(f"/retreats/{retreat.pk}/").content.decode()
    assert all(p.display_name in admin for p in [people.patient, *others])
    assert " others" not in admin
