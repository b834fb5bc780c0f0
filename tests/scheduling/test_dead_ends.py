"""No dead ends: calendar entries and "My day" rows lead to the session page their reader may
see, sessions without a room have their own lane, the retreat enrolment picker (a search)
says who cannot join and why, and destructive actions ask first (the first step changes
nothing)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practice.forms.patient_search import patient_choice_label
from practice.models import Patient, Session
from scheduling.models import Enrollment
from scheduling.services import retreats
from scheduling.services.booking import session_book
from tests.factories import PatientFactory
from tests.scheduling.conftest import clear_for_retreat, local

pytestmark = pytest.mark.django_db


def book(cal, patient, clinician, day=3, hour=10, room=None):
    return session_book(
        patient=patient,
        clinician=clinician,
        kind="integration",
        starts_at=local(2027, 2, day, hour),
        ends_at=local(2027, 2, day, hour + 1),
        room=room,
    )


@pytest.mark.parametrize("view", ["day", "week"])
def test_a_clinician_s_calendar_entries_open_the_session_page(cal, web_as, view):
    mine = book(cal, cal.people.patient, cal.people.therapist, room=cal.circle)
    hidden = book(cal, cal.people.other_patient, cal.people.outsider, room=cal.dosing_a)

    html = web_as(cal.people.therapist).get(f"/calendar/?date=2027-02-03&view={view}").content
    html = html.decode()

    assert f'href="/sessions/{mine.pk}/"' in html
    assert 'href="#"' not in html
    # A session the therapist may not see is neither a link nor a name.
    assert f"/sessions/{hidden.pk}/" not in html
    assert cal.people.other_patient.display_name not in html


def test_the_room_view_has_a_lane_for_sessions_without_a_room(cal, web_as):
    roomless = book(cal, cal.people.patient, cal.people.therapist, room=None)

    html = web_as(cal.people.admin).get("/calendar/?date=2027-02-03&by=room").content.decode()

    assert "No room" in html
    assert f'href="/calendar/sessions/{roomless.pk}/"' in html


def test_my_day_rows_link_to_the_session(cal, web_as):
    today = book(cal, cal.people.patient, cal.people.therapist, day=1, hour=10)

    html = web_as(cal.people.therapist).get("/today/").content.decode()

    assert f'href="/sessions/{today.pk}/"' in html


@pytest.fixture
def retreat(cal):
    r = retreats.retreat_create(
        clinic=cal.people.clinic,
        name="Spring intensive",
        starts_on=dt.date(2027, 3, 1),
        ends_on=dt.date(2027, 3, 5),
        capacity=1,
        price="4800.00",
        staff=[cal.people.therapist, cal.people.outsider, cal.people.medical],
        rooms=[cal.dosing_a, cal.dosing_b, cal.circle],
    )
    retreats.retreat_template_default(retreat=r)
    return r


def cleared(cal, **names):
    patient = PatientFactory(clinic=cal.people.clinic, **names)
    clear_for_retreat(patient, cal.people.medical)
    return patient


@pytest.mark.parametrize("others", [3, 60])
def test_the_enrol_picker_is_a_search_whose_page_does_not_grow_with_the_clinic(
    cal, retreat, web_as, others
):
    Patient.objects.bulk_create(
        PatientFactory.build(clinic=cal.people.clinic, legal_first_name="Many")
        for _ in range(others)
    )
    client = web_as(cal.people.admin)
    client.get(f"/retreats/{retreat.pk}/")  # warm the session and the template caches

    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/retreats/{retreat.pk}/").content.decode()

    assert '<label for="id_patient">Patient to enroll:</label>' in html
    assert 'hx-get="/patients/search/?field=patient"' in html
    assert "Many" not in html
    # The same page for 3 or 60 more patients: no option per patient, no query per patient.
    assert html.count("<option") == 0
    assert len(queries) == ENROL_PAGE_QUERIES, "\n".join(q["sql"] for q in queries)


# 1. session  2. user  3. OTP device  4. staff record and clinic  5. the retreat with its
# counts  6. its staff  7. its rooms  8. its template  9. the clinic  10. the enrollments
# 11. the timetable's seated entries (gaps)  12. the timetable  13. the latest timetable run
# 14. the audit INSERT. None for the picker, whatever the clinic's size (the dropdown it
# replaces read every patient, their screenings and findings).
ENROL_PAGE_QUERIES = 14


def test_a_patient_who_cannot_join_is_refused_with_the_reason(cal, retreat, web_as):
    unscreened = cal.people.other_patient

    page = web_as(cal.people.admin).post(
        f"/retreats/{retreat.pk}/", {"action": "enroll", "patient": f"#{unscreened.pk}"}
    )

    assert page.status_code == 200
    assert (
        f"{unscreened.full_name} cannot join: the patient has not been screened."
        in page.content.decode()
    )
    assert not Enrollment.objects.exists()


def test_a_patient_already_on_the_retreat_is_refused_with_the_reason(cal, retreat, web_as):
    patient = cleared(cal)
    retreats.enrollment_create(retreat=retreat, patient=patient)

    page = web_as(cal.people.admin).post(
        f"/retreats/{retreat.pk}/", {"action": "enroll", "patient": patient_choice_label(patient)}
    )

    assert f"{patient.full_name} is already enrolled." in page.content.decode()
    assert Enrollment.objects.count() == 1


def test_another_clinics_patient_cannot_be_enrolled_by_number(cal, retreat, web_as):
    foreign = cal.people.foreign_patient

    page = web_as(cal.people.admin).post(
        f"/retreats/{retreat.pk}/", {"action": "enroll", "patient": str(foreign.pk)}
    )

    html = page.content.decode()
    assert f"No patient you can see has the number {foreign.pk}." in html
    assert foreign.full_name not in html
    assert not Enrollment.objects.exists()


def test_a_chosen_patient_who_may_join_is_enrolled(cal, retreat, web_as):
    patient = cleared(cal)

    page = web_as(cal.people.admin).post(
        f"/retreats/{retreat.pk}/",
        {"action": "enroll", "patient": patient_choice_label(patient)},
        follow=True,
    )

    assert f"{patient.full_name} is enrolled." in page.content.decode()
    assert Enrollment.objects.get().patient == patient


def test_a_refused_enrolment_names_and_links_the_clashing_session(cal, retreat, web_as):
    patient = cleared(cal)
    clash = Session.objects.create(
        clinic=cal.people.clinic,
        patient=patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=local(2027, 3, 2, 9),
        ends_at=local(2027, 3, 2, 10),
    )
    client = web_as(cal.people.admin)

    page = client.post(
        f"/retreats/{retreat.pk}/", {"action": "enroll", "patient": patient.pk}, follow=True
    )

    html = page.content.decode()
    assert "an integration session Tue Mar 2, 9:00 AM–10:00 AM" in html
    assert (
        f'<a href="/calendar/sessions/{clash.pk}/">Integration Tue Mar 2, 9:00 AM–10:00 AM</a>'
        in html
    )
    assert "#" + str(clash.pk) not in html
    assert not Enrollment.objects.exists()


def test_cancelling_a_place_asks_first_saying_who_moves_up(cal, retreat, web_as):
    first, second = cleared(cal, legal_first_name="Ann"), cleared(cal, legal_first_name="Samir")
    place = retreats.enrollment_create(retreat=retreat, patient=first)
    waiting = retreats.enrollment_create(retreat=retreat, patient=second)
    client = web_as(cal.people.admin)
    url = f"/retreats/{retreat.pk}/places/{place.pk}/cancel/"
    assert url in client.get(f"/retreats/{retreat.pk}/").content.decode()

    asked = client.get(url).content.decode()

    assert f"{second.full_name} moves up from the waitlist" in asked
    assert "is notified" in asked
    place.refresh_from_db()
    assert place.status == "enrolled"

    done = client.post(url, follow=True).content.decode()
    assert f"{first.full_name}&#x27;s place is cancelled" in done
    place.refresh_from_db()
    waiting.refresh_from_db()
    assert (place.status, waiting.status) == ("cancelled", "enrolled")
    # Not twice, and not another clinic's.
    assert client.get(url).status_code == 404
    assert web_as(cal.people.other_admin).post(url).status_code == 404


def test_removing_from_the_waitlist_asks_first(cal, retreat, web_as):
    retreats.enrollment_create(retreat=retreat, patient=cleared(cal))
    waiting = retreats.enrollment_create(retreat=retreat, patient=cleared(cal))
    client = web_as(cal.people.admin)
    url = f"/retreats/{retreat.pk}/places/{waiting.pk}/cancel/"

    assert "leaves the waitlist" in client.get(url).content.decode()
    waiting.refresh_from_db()
    assert waiting.status == "waitlisted"

    client.post(url)
    waiting.refresh_from_db()
    assert waiting.status == "cancelled"


def test_a_promotion_that_meets_a_clash_is_flagged_on_the_retreat_page(cal, retreat, web_as):
    place = retreats.enrollment_create(retreat=retreat, patient=cleared(cal))
    patient = cleared(cal)
    retreats.enrollment_create(retreat=retreat, patient=patient)
    retreats.timetable_generate(retreat=retreat)
    clash = book(cal, patient, cal.people.outsider, day=1)
    Session.objects.filter(pk=clash.pk).update(
        starts_at=local(2027, 3, 2, 9), ends_at=local(2027, 3, 2, 10)
    )
    client = web_as(cal.people.admin)

    done = client.post(f"/retreats/{retreat.pk}/places/{place.pk}/cancel/", follow=True)

    html = done.content.decode()
    assert "not seated in 1 slot(s)" in html
    assert 'data-testid="timetable-gaps"' in html
    link = f'<a href="/calendar/sessions/{clash.pk}/">integration session Tue Mar 2, 09:00</a>'
    assert link in html


@pytest.fixture
def visit(cal):
    """An integration session that started an hour ago (so it may be marked a no-show)."""
    return Session.objects.create(
        clinic=cal.people.clinic,
        patient=cal.people.patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 1, 7),
        ends_at=local(2027, 2, 1, 8),
    )


def test_a_no_show_asks_first_and_acts_on_confirmation(cal, visit, web_as):
    client = web_as(cal.people.therapist)
    url = f"/sessions/{visit.pk}/confirm/no_show/"
    assert url in client.get(f"/sessions/{visit.pk}/").content.decode()

    asked = client.get(url).content.decode()

    assert "The session is marked no-show" in asked
    visit.refresh_from_db()
    assert visit.status == "scheduled"
    client.post(f"/sessions/{visit.pk}/", {"action": "no_show"})
    visit.refresh_from_db()
    assert visit.status == "no_show"


def test_completing_asks_first_and_acts_on_confirmation(cal, visit, web_as):
    Session.objects.filter(pk=visit.pk).update(status="checked_in")
    client = web_as(cal.people.therapist)
    url = f"/sessions/{visit.pk}/confirm/complete/"

    asked = client.get(url).content.decode()

    assert "The session is marked completed" in asked
    visit.refresh_from_db()
    assert visit.status == "checked_in"
    client.post(f"/sessions/{visit.pk}/", {"action": "complete"})
    visit.refresh_from_db()
    assert visit.status == "completed"


def test_the_confirmation_page_answers_404_out_of_reach_or_unknown(cal, visit, web_as):
    assert (
        web_as(cal.people.other_admin).get(f"/sessions/{visit.pk}/confirm/no_show/").status_code
        == 404
    )
    assert (
        web_as(cal.people.therapist).get(f"/sessions/{visit.pk}/confirm/delete/").status_code == 404
    )
