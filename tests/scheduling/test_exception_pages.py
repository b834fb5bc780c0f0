"""The clinic admin's page for working-hour exceptions (time off, extra hours): list, add,
change, remove with a confirmation; scoped to the admin's clinic; bad input changes nothing."""

import datetime

import pytest
import time_machine

from scheduling.models import AvailabilityException
from scheduling.services.availability import availability_exception_add, hours_on
from tests.factories import StaffFactory, working_hours_every_day

pytestmark = pytest.mark.django_db

# Tuesday 12 May 2026, 11:00 in Denver.
NOW = datetime.datetime(2026, 5, 12, 17, 0, tzinfo=datetime.UTC)
MAY_20 = datetime.date(2026, 5, 20)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def form(clinician, **changes):
    return {
        "clinician": str(clinician.pk),
        "kind": "extra_hours",
        "starts_on": "2026-05-20",
        "ends_on": "",
        "start_time": "18:00",
        "end_time": "21:00",
        "reason": "Evening clinic",
        **changes,
    }


def test_the_admin_adds_extra_evening_hours_in_clinic_time(people, web_as):
    working_hours_every_day(people.therapist, end=datetime.time(17))
    client = web_as(people.admin)
    response = client.post("/calendar/exceptions/new/", form(people.therapist))
    assert response.status_code == 302 and response.url == "/calendar/exceptions/"
    exception = AvailabilityException.objects.get()
    assert (exception.clinic, exception.clinician) == (people.clinic, people.therapist)
    assert (exception.starts_on, exception.ends_on) == (MAY_20, MAY_20)
    # Wall-clock in the clinic's zone: 18:00–21:00 in Denver that evening.
    assert hours_on(clinician=people.therapist, day=MAY_20) == "08:00–17:00, 18:00–21:00"
    page = client.get("/calendar/exceptions/").content.decode()
    assert "Evening clinic" in page and "18:00–21:00" in page and "America/Denver" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end_time": "17:00"}, "end_time", "The end time must be after the start time."),
        ({"ends_on": "2026-05-19"}, "ends_on", "The last day cannot be before the first day."),
        ({"start_time": "", "end_time": ""}, "start_time", "Extra hours need a start and an end"),
        (
            {"kind": "time_off", "end_time": ""},
            "end_time",
            "Give both a start and an end time, or neither",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    people, web_as, changes, field, message
):
    response = web_as(people.admin).post(
        "/calendar/exceptions/new/", form(people.therapist, **changes)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not AvailabilityException.objects.exists()


def test_the_admin_changes_a_closure_and_removes_it_after_confirming(people, web_as):
    exception = availability_exception_add(
        clinician=people.therapist, kind="time_off", starts_on=MAY_20, reason="Closed"
    )
    client = web_as(people.admin)
    page = client.get(f"/calendar/exceptions/{exception.pk}/").content.decode()
    assert 'value="Closed"' in page
    response = client.post(
        f"/calendar/exceptions/{exception.pk}/",
        form(
            people.therapist,
            kind="time_off",
            ends_on="2026-05-22",
            start_time="",
            end_time="",
            reason="Clinic closed for training",
        ),
    )
    assert response.status_code == 302
    exception.refresh_from_db()
    assert exception.ends_on == datetime.date(2026, 5, 22) and exception.start_time is None
    assert exception.reason == "Clinic closed for training"

    confirm = client.get(f"/calendar/exceptions/{exception.pk}/delete/").content.decode()
    assert "Remove this exception?" in confirm and AvailabilityException.objects.exists()
    assert client.post(f"/calendar/exceptions/{exception.pk}/delete/").status_code == 302
    assert not AvailabilityException.objects.exists()


def test_another_clinics_exception_is_not_found(people, web_as):
    theirs = StaffFactory(clinic=people.other_clinic, role="therapist")
    exception = availability_exception_add(clinician=theirs, kind="time_off", starts_on=MAY_20)
    client = web_as(people.admin)
    assert "time_off" not in client.get("/calendar/exceptions/").content.decode()
    assert client.get(f"/calendar/exceptions/{exception.pk}/").status_code == 404
    assert (
        client.post(f"/calendar/exceptions/{exception.pk}/", form(people.therapist)).status_code
        == 404
    )
    assert client.get(f"/calendar/exceptions/{exception.pk}/delete/").status_code == 404
    assert client.post(f"/calendar/exceptions/{exception.pk}/delete/").status_code == 404
    assert AvailabilityException.objects.get() == exception


def test_a_clinician_of_another_clinic_cannot_be_chosen(people, web_as):
    theirs = StaffFactory(clinic=people.other_clinic, role="therapist")
    response = web_as(people.admin).post("/calendar/exceptions/new/", form(theirs))
    assert response.status_code == 200 and "clinician" in response.context["form"].errors
    assert not AvailabilityException.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"), [("therapist", 403), ("medical", 403), ("patient", 403)]
)
def test_only_admins_reach_the_page(people, web_as, who, status):
    assert web_as(getattr(people, who)).get("/calendar/exceptions/").status_code == status
