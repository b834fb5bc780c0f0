"""The clinic admin books a self-pay patient's first session while the practice has no
organisation NPI: the booking goes through, and Today then says "Good Faith Estimate due" for
the patient with what is missing; once the NPI is entered and the estimate issued, it is gone.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from billing.models import EstimateDue
from billing.services.catalogue import service_codes_seed
from billing.services.estimates import estimate_issue
from practice.models import Session
from tests.e2e.pickers import choose_patient
from tests.factories import RoomFactory, TreatmentPlanFactory, working_hours_every_day

pytestmark = pytest.mark.django_db(transaction=True)

DENVER = ZoneInfo("America/Denver")


def _a_weekday_ahead() -> datetime.date:
    """Two or more days from now (the live server runs on the real clock), Monday to Friday."""
    day = timezone.now().astimezone(DENVER).date() + datetime.timedelta(days=2)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def test_booking_without_the_practices_npi_shows_the_estimate_due_on_today(
    people, page, login, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the worker's part, in the live server
    service_codes_seed(clinic=people.clinic)
    working_hours_every_day(people.therapist)
    RoomFactory(clinic=people.clinic, name="Garden room", dosing_capable=False)
    people.patient.insurance_payer = ""
    people.patient.save()
    plan = TreatmentPlanFactory(patient=people.patient, status="active")
    people.clinic.npi = ""
    people.clinic.save()
    day = _a_weekday_ahead()
    login("alice")

    page.goto(f"/calendar/book/?date={day.isoformat()}&start_time=09:00")
    choose_patient(page, "Erin", "Erin Patient")
    page.select_option("#id_kind", label="Preparation")
    page.select_option("#id_clinician", label="Bob Therapist, LCSW")
    page.select_option("#id_room", label="Garden room")
    page.get_by_role("button", name="Book", exact=True).click()
    assert "Session booked." in page.locator(".messages").inner_text()
    assert Session.objects.filter(patient=people.patient).exists()

    page.goto("/today/")
    due = page.get_by_test_id("estimate-due")
    assert "Good Faith Estimate due" in due.inner_text()
    assert "Erin Patient" in due.inner_text()
    assert "the practice has no organisation NPI" in due.inner_text()

    people.clinic.npi = "1234567893"
    people.clinic.save()
    estimate_issue(plan=plan, issued_by=people.admin)
    assert not EstimateDue.objects.exists()
    page.reload()
    assert page.get_by_test_id("estimate-due").count() == 0
