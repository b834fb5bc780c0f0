"""A generated retreat timetable stays true: an enrolment, a cancellation and a promotion
change its sessions in the same transaction, and a patient's own clashing session is caught
where it arises (a refused enrolment, a promotion flagged on the retreat page)."""

import datetime as dt

import pytest

from practice.models import Session
from scheduling import selectors
from scheduling.errors import PatientBusy
from scheduling.models import Enrollment, RetreatSession
from scheduling.services import retreats
from scheduling.services.booking import session_cancel
from tests.factories import PatientFactory, StaffFactory
from tests.scheduling.conftest import clear_for_retreat, local, spring_intensive
from tests.scheduling.test_retreats import cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def retreat(cal):
    return spring_intensive(cal, capacity=3)


def own_session(cal, patient, day=2, hour=9):
    """The patient's own integration session, outside the retreat, on day `day` of it, with
    a therapist who is not on the retreat's staff (a retreat clinician is busy then, and
    PostgreSQL's exclusion constraint would refuse the session itself)."""
    return Session.objects.create(
        clinic=cal.people.clinic,
        patient=patient,
        clinician=StaffFactory(clinic=cal.people.clinic, role="therapist"),
        kind="integration",
        starts_at=local(2027, 3, day, hour),
        ends_at=local(2027, 3, day, hour + 1),
    )


def keys_of(patient):
    return list(
        Session.objects.filter(patient=patient, status="scheduled")
        .order_by("starts_at")
        .values_list("starts_at", "room_id", "clinician_id", "booking_key")
    )


def test_a_patient_enrolled_after_generation_joins_the_generated_group_sessions(cal, retreat):
    first, late = cohort(cal, 2)
    retreats.enrollment_create(retreat=retreat, patient=first)
    retreats.timetable_generate(retreat=retreat)

    enrollment = retreats.enrollment_create(retreat=retreat, patient=late)

    items = retreat.template.count()
    assert RetreatSession.objects.filter(enrollment=enrollment).count() == items
    # The same groups (room, clinician, booking) as the patient already there.
    assert keys_of(late) == keys_of(first)
    again = retreats.timetable_generate(retreat=retreat)
    assert (again.created, again.cancelled, again.kept) == (0, 0, 2 * items)


def test_a_cancelled_place_leaves_the_generated_sessions(cal, retreat):
    patients = cohort(cal, 2)
    rows = [retreats.enrollment_create(retreat=retreat, patient=p) for p in patients]
    retreats.timetable_generate(retreat=retreat)

    retreats.enrollment_cancel(enrollment=rows[0])

    assert not Session.objects.filter(patient=patients[0], status="scheduled").exists()
    assert len(keys_of(patients[1])) == retreat.template.count()
    assert selectors.retreat_timetable_gaps(retreat=retreat, enrolled=[rows[1]]) == []


def test_a_promoted_patient_is_seated_at_once(cal, retreat):
    patients = cohort(cal, 4)
    rows = [retreats.enrollment_create(retreat=retreat, patient=p) for p in patients]
    assert rows[3].status == "waitlisted"
    retreats.timetable_generate(retreat=retreat)
    assert not Session.objects.filter(patient=patients[3]).exists()

    promoted = retreats.enrollment_cancel(enrollment=rows[1])

    assert promoted.patient == patients[3] and promoted.unseated == []
    assert keys_of(patients[3]) == keys_of(patients[0])


def test_enrolling_a_patient_whose_own_session_clashes_is_refused_naming_it(cal, retreat):
    (patient,) = cohort(cal, 1)
    clash = own_session(cal, patient, day=2, hour=9)

    with pytest.raises(PatientBusy) as refused:
        retreats.enrollment_create(retreat=retreat, patient=patient)

    message = refused.value.message
    assert "already has sessions during Spring intensive" in message
    clinician = clash.clinician.user.get_full_name()
    assert f"an integration session Tue Mar 2, 9:00 AM–10:00 AM with {clinician}" in message
    assert "#" not in message
    assert refused.value.extra["sessions"] == [clash.pk]
    assert not Enrollment.objects.exists()


def test_a_promotion_that_meets_a_clash_is_flagged_and_resolved_by_regenerating(cal, retreat):
    patients = cohort(cal, 3)
    rows = [retreats.enrollment_create(retreat=retreat, patient=p) for p in patients]
    waiting = PatientFactory(clinic=cal.people.clinic)
    clear_for_retreat(waiting, cal.people.medical)
    retreats.enrollment_create(retreat=retreat, patient=waiting)  # waitlisted: not checked
    retreats.timetable_generate(retreat=retreat)
    clash = own_session(cal, waiting, day=2, hour=9)  # booked while on the waitlist

    promoted = retreats.enrollment_cancel(enrollment=rows[0])

    assert promoted.patient == waiting and promoted.status == "enrolled"
    assert [(item.day, item.start_time) for item, _, _ in promoted.unseated] == [(2, dt.time(9))]
    items = retreat.template.count()
    assert len(keys_of(waiting)) == items - 1 + 1  # 7 retreat sessions + the own session
    enrolled = list(Enrollment.objects.filter(retreat=retreat, status="enrolled"))
    (gap,) = selectors.retreat_timetable_gaps(retreat=retreat, enrolled=enrolled)
    assert gap.enrollment == promoted and gap.item.day == 2 and gap.clashes == [clash]

    # Resolving: the clashing session is cancelled, then the timetable regenerated.
    session_cancel(session=clash, reason="Moved for the retreat")
    result = retreats.timetable_generate(retreat=retreat)
    assert (result.created, result.cancelled) == (1, 0)
    assert len(keys_of(waiting)) == items
    assert selectors.retreat_timetable_gaps(retreat=retreat, enrolled=enrolled) == []
