"""session_create's clinical rules and the lifecycle transitions."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from practice import services
from practice.errors import NotInClinic, RoleNotAllowed, SessionRefused, SessionTransitionRefused
from practice.models import Session
from tests.factories import ScreeningFactory, TreatmentPlanFactory
from tests.practice.clinical import cleared_with_plan, discharge, dose, dosing_session

pytestmark = pytest.mark.django_db


def start() -> datetime.datetime:
    """Two days from the test's now (read when the test runs, not when the module loads)."""
    return timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)


def create(people, **overrides):
    starts_at = start()
    kwargs = {
        "patient": people.patient,
        "clinician": people.therapist,
        "kind": "integration",
        "starts_at": starts_at,
        "ends_at": starts_at + datetime.timedelta(hours=1),
        **overrides,
    }
    return services.session_create(**kwargs)


def test_an_integration_session_needs_no_plan(people):
    session = create(people)
    assert session.status == "scheduled"
    assert session.clinic_id == people.clinic.pk


def test_the_clinician_must_work_at_the_patients_clinic(people):
    with pytest.raises(NotInClinic):
        create(people, clinician=people.other_admin)
    assert not Session.objects.exists()


def test_an_admin_cannot_lead_a_session(people):
    with pytest.raises(RoleNotAllowed):
        create(people, clinician=people.admin)
    assert not Session.objects.exists()


def test_a_plan_of_another_patient_is_refused(people):
    other_plan = TreatmentPlanFactory(patient=people.other_patient)
    with pytest.raises(SessionRefused, match="another patient"):
        create(people, plan=other_plan)
    assert not Session.objects.exists()


def test_a_dosing_session_needs_a_plan(people):
    ScreeningFactory(patient=people.patient)
    with pytest.raises(SessionRefused, match="needs the patient's active treatment plan"):
        create(people, kind="dosing", clinician=people.medical)
    assert not Session.objects.exists()


@pytest.mark.parametrize("status", ["draft", "completed", "discontinued"])
def test_a_dosing_session_needs_a_running_plan(people, status):
    ScreeningFactory(patient=people.patient)
    plan = TreatmentPlanFactory(patient=people.patient, status=status, end_reason="moved away")
    with pytest.raises(SessionRefused, match="dosing needs an active plan"):
        create(people, kind="dosing", plan=plan)
    assert not Session.objects.exists()


def test_a_dosing_session_needs_a_cleared_screening(people):
    plan = TreatmentPlanFactory(patient=people.patient, status="active")
    ScreeningFactory(patient=people.patient, result="needs_review")
    with pytest.raises(SessionRefused, match="no cleared screening valid on"):
        create(people, kind="dosing", plan=plan)
    assert not Session.objects.exists()


def test_a_dosing_session_after_the_screening_expires_is_refused(people):
    plan = cleared_with_plan(people)
    screening = people.patient.screenings.get()
    after = datetime.datetime.combine(
        screening.expires_on + datetime.timedelta(days=1), datetime.time(17), datetime.UTC
    )
    with pytest.raises(SessionRefused, match="no cleared screening valid on"):
        create(
            people,
            kind="dosing",
            plan=plan,
            starts_at=after,
            ends_at=after + datetime.timedelta(hours=2),
        )
    # The same plan can be dosed on the screening's last day.
    last = after - datetime.timedelta(days=1)
    assert create(
        people, kind="dosing", plan=plan, starts_at=last, ends_at=last + datetime.timedelta(hours=2)
    )


def test_a_booking_key_is_kept(people):
    import uuid

    key = uuid.uuid4()
    assert create(people, booking_key=key).booking_key == key


# Lifecycle ---------------------------------------------------------------------------------


def test_check_in_then_complete(people):
    session = create(
        people, starts_at=timezone.now(), ends_at=timezone.now() + datetime.timedelta(hours=1)
    )
    session = services.session_check_in(session=session)
    assert session.status == "checked_in" and session.checked_in_at
    session = services.session_complete(session=session)
    assert session.status == "completed" and session.completed_at


def test_check_in_is_refused_before_the_sessions_day(people):
    session = create(people)
    with pytest.raises(SessionTransitionRefused, match="on its day"):
        services.session_check_in(session=session)
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_a_scheduled_session_cannot_be_completed(people):
    session = create(people)
    with pytest.raises(SessionTransitionRefused, match="Only a checked-in session"):
        services.session_complete(session=session)
    session.refresh_from_db()
    assert session.status == "scheduled" and session.completed_at is None


def test_no_show_only_after_the_start(people):
    session = create(people)
    with pytest.raises(SessionTransitionRefused, match="after it starts"):
        services.session_mark_no_show(session=session)
    with time_machine.travel(session.starts_at + datetime.timedelta(minutes=20)):
        session = services.session_mark_no_show(session=session)
    assert session.status == "no_show"
    with pytest.raises(
        SessionTransitionRefused, match="Only a scheduled session can be checked in"
    ):
        services.session_check_in(session=session)


def test_a_checked_in_session_cannot_be_a_no_show(people):
    session = dosing_session(people)
    with pytest.raises(SessionTransitionRefused, match="Only a scheduled session"):
        services.session_mark_no_show(session=session)


def test_a_dosing_session_cannot_complete_without_a_dose(people):
    session = dosing_session(people)
    with pytest.raises(SessionTransitionRefused, match="Record the dose"):
        services.session_complete(session=session)
    session.refresh_from_db()
    assert session.status == "checked_in"


def test_a_dosing_session_cannot_complete_before_discharge(people):
    session = dosing_session(people)
    record = dose(people, session)
    with pytest.raises(SessionTransitionRefused, match="discharge checklist"):
        services.session_complete(session=session)
    discharge(people, record)
    assert services.session_complete(session=session).status == "completed"
