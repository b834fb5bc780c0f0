"""Booking, rescheduling and retreat enrollment follow the patient's newest screening: an
older cleared one does not count once a newer one found a contraindication or awaits a
medical sign-off (the dosing gate and check-in: tests/practice/test_safety_gates.py)."""

import datetime as dt

import pytest

from practice import services as practice_services
from practice.errors import SessionRefused
from practice.models import Contraindication, Session
from scheduling.errors import NotCleared
from scheduling.models import Enrollment
from scheduling.services import retreats
from scheduling.services.booking import session_book, session_reschedule
from tests.scheduling.conftest import clear_for_retreat, local

pytestmark = pytest.mark.django_db


def rescreen(cal, name):
    """Screen the patient again on Feb 1, 2027 (the frozen today), finding `name`."""
    people = cal.people
    practice_services.clinic_clinical_setup(clinic=people.clinic)
    item = Contraindication.objects.get(clinic=people.clinic, name=name)
    return practice_services.screening_record(
        patient=people.patient,
        by=people.medical,
        screened_on=dt.date(2027, 2, 1),
        baseline_systolic=122,
        baseline_diastolic=78,
        baseline_heart_rate=72,
        weight_kg="70.0",
        findings=[{"contraindication_id": item.pk}],
    )


def book_dose(cal, plan, day, **kwargs):
    return session_book(
        patient=cal.people.patient,
        clinician=cal.people.medical,
        kind="dosing",
        starts_at=local(2027, 2, day, 10),
        ends_at=local(2027, 2, day, 12),
        room=cal.dosing_a,
        plan=plan,
        **kwargs,
    )


def test_a_dose_is_not_booked_once_a_newer_screening_is_not_cleared(cal, api_as):
    plan = clear_for_retreat(cal.people.patient, cal.people.medical)  # cleared Jan 15
    first = book_dose(cal, plan, 3)
    rescreen(cal, "Pregnancy or breastfeeding")
    with pytest.raises(SessionRefused, match="absolute contraindication"):
        book_dose(cal, plan, 10)
    response = api_as(cal.people.admin).post(
        "/api/v1/sessions/",
        {
            "patient": cal.people.patient.pk,
            "clinician": cal.people.medical.pk,
            "kind": "dosing",
            "plan": plan.pk,
            "room": cal.dosing_a.pk,
            "starts_at": local(2027, 2, 10, 10).isoformat(),
            "ends_at": local(2027, 2, 10, 12).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "session_refused"
    assert "Pregnancy or breastfeeding" in response.json()["detail"]
    assert list(Session.objects.all()) == [first]


def test_a_booked_dose_is_not_moved_once_a_newer_screening_awaits_sign_off(cal, api_as):
    plan = clear_for_retreat(cal.people.patient, cal.people.medical)
    dose = book_dose(cal, plan, 3)
    rescreen(cal, "Active substance misuse")
    with pytest.raises(SessionRefused, match="needs a medical sign-off"):
        session_reschedule(
            session=dose, starts_at=local(2027, 2, 4, 10), ends_at=local(2027, 2, 4, 12)
        )
    response = api_as(cal.people.admin).post(
        f"/api/v1/sessions/{dose.pk}/reschedule/",
        {
            "starts_at": local(2027, 2, 4, 10).isoformat(),
            "ends_at": local(2027, 2, 4, 12).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 409
    assert "needs a medical sign-off" in response.json()["detail"]
    dose.refresh_from_db()
    assert dose.starts_at == local(2027, 2, 3, 10)


def test_a_retreat_enrollment_follows_the_newest_screening(cal):
    clear_for_retreat(cal.people.patient, cal.people.medical)
    rescreen(cal, "History of psychosis or schizophrenia")
    retreat = retreats.retreat_create(
        clinic=cal.people.clinic,
        name="Spring retreat",
        starts_on=dt.date(2027, 3, 1),
        ends_on=dt.date(2027, 3, 5),
        capacity=8,
        price="4800.00",
    )
    with pytest.raises(NotCleared, match="no cleared screening"):
        retreats.enrollment_create(retreat=retreat, patient=cal.people.patient)
    assert not Enrollment.objects.exists()
