"""The issue's acceptance scenario, end to end through the API and the pages:
a 5-day retreat for 8 patients, 2 dosing rooms, 3 clinicians; 10 enroll (2 waitlisted); the
timetable is generated; one enrollment is cancelled and the first waitlisted patient is
promoted and notified; the admin sees it all on the calendar."""

import pytest

from messaging.models import Reminder
from practice.models import Session
from scheduling.models import Enrollment
from tests.factories import PatientFactory, RoomFactory
from tests.scheduling.conftest import clear_for_retreat

pytestmark = pytest.mark.django_db


def test_an_admin_runs_a_five_day_retreat_from_enrollment_to_calendar(cal, api_as, web_as):
    people = cal.people
    admin = api_as(people.admin)
    aspen = RoomFactory(clinic=people.clinic, name="Aspen", capacity=4, dosing_capable=True)
    birch = RoomFactory(clinic=people.clinic, name="Birch", capacity=4, dosing_capable=True)
    circle = RoomFactory(clinic=people.clinic, name="Circle", capacity=10, dosing_capable=False)
    created = admin.post(
        "/api/v1/retreats/",
        {
            "name": "Spring intensive",
            "starts_on": "2027-03-01",
            "ends_on": "2027-03-05",
            "capacity": 8,
            "price": "4800.00",
            "staff": [people.therapist.pk, people.outsider.pk, people.medical.pk],
            "rooms": [aspen.pk, birch.pk, circle.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    retreat = created.json()["id"]
    template = admin.put(
        f"/api/v1/retreats/{retreat}/template/",
        [
            {
                "day": 1,
                "kind": "preparation",
                "start_time": "09:30",
                "duration_minutes": 150,
                "title": "Preparation and intentions",
            },
            *[
                item
                for day in (2, 3, 4)
                for item in (
                    {
                        "day": day,
                        "kind": "dosing",
                        "start_time": "09:00",
                        "duration_minutes": 180,
                        "title": "Dosing",
                    },
                    {
                        "day": day,
                        "kind": "integration",
                        "start_time": "14:30",
                        "duration_minutes": 120,
                        "title": "Integration circle",
                    },
                )
            ],
            {
                "day": 5,
                "kind": "integration",
                "start_time": "10:00",
                "duration_minutes": 180,
                "title": "Integration and closing",
            },
        ],
        format="json",
    )
    assert template.status_code == 200, template.json()

    patients = [PatientFactory(clinic=people.clinic) for _ in range(10)]
    for patient in patients:
        clear_for_retreat(patient, people.medical)
    statuses = [
        admin.post(f"/api/v1/retreats/{retreat}/enrollments/", {"patient": p.pk}).json()
        for p in patients
    ]
    assert [s["status"] for s in statuses].count("enrolled") == 8
    assert [(s["status"], s["position"]) for s in statuses[8:]] == [
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]

    generated = admin.post(f"/api/v1/retreats/{retreat}/generate-timetable/")
    assert generated.status_code == 200, generated.json()
    assert generated.json() == {"created": 64, "kept": 0, "cancelled": 0}  # 8 patients × 8
    dosing = Session.objects.filter(kind="dosing", status="scheduled")
    assert dosing.count() == 24  # 8 patients × 3 mornings
    assert set(dosing.values_list("room__name", flat=True)) == {"Aspen", "Birch"}
    assert len(set(dosing.values_list("clinician", flat=True))) == 2

    cancelled = admin.post(
        f"/api/v1/retreats/{retreat}/enrollments/{statuses[0]['id']}/cancel/"
    ).json()
    assert cancelled["promoted"]["patient"] == patients[8].pk
    assert Enrollment.objects.get(pk=statuses[9]["id"]).position == 1
    assert Reminder.objects.filter(
        patient=patients[8], kind="waitlist_promotion", target_type="enrollment"
    ).exists()
    # The promoted patient is seated at once; regenerating has nothing left to do.
    regenerated = admin.post(f"/api/v1/retreats/{retreat}/generate-timetable/").json()
    assert regenerated == {"created": 0, "kept": 64, "cancelled": 0}
    assert Session.objects.filter(patient=patients[0], status="cancelled").count() == 8
    assert Session.objects.filter(patient=patients[8], status="scheduled").count() == 8

    page = web_as(people.admin).get("/calendar/?view=week&by=room&date=2027-03-01")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("4 attendees") == 6  # two dosing groups on three mornings
    assert html.count("8 attendees") == 5  # the day-1 preparation and four circles
    roster = web_as(people.admin).get(f"/retreats/{retreat}/").content.decode()
    assert "8 of 8 taken · 1 waitlisted" in roster
