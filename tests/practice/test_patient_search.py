"""Patient pickers are a search: the booking and free-slot forms render no list of every
patient; htmx asks /patients/search/ for at most 20 matches the user may see (audited), and
without JavaScript the form takes a typed patient number with a clear error."""

import pytest

from backend.models import AuditEvent
from practice.forms.patient_search import PatientSearchField, patient_choice_label
from practice.models import Patient
from tests.factories import CareTeamFactory, PatientFactory

pytestmark = pytest.mark.django_db


def test_the_booking_form_renders_a_search_not_every_patient(people, web_as):
    for n in range(30):
        PatientFactory(clinic=people.clinic, legal_first_name="Many", legal_last_name=f"P{n}")
    html = web_as(people.admin).get("/calendar/book/").content.decode()
    assert "<option" not in html.split('id="id_patient"')[1].split("</datalist>")[0]
    assert "Many" not in html
    assert 'hx-get="/patients/search/?field=patient"' in html
    assert 'list="id_patient-matches"' in html


def test_the_search_offers_matching_patients_the_user_may_see(people, web_as):
    html = web_as(people.admin).get("/patients/search/", {"field": "patient", "patient": "eri"})
    assert html.status_code == 200
    body = html.content.decode()
    assert f'<option value="{patient_choice_label(people.patient)}">' in body
    assert "Frank" not in body


def test_the_search_never_offers_another_clinics_patient(people, web_as):
    name = people.foreign_patient.legal_last_name
    body = web_as(people.admin).get("/patients/search/", {"q": name}).content.decode()
    assert "<option" not in body
    number = str(people.foreign_patient.pk)
    assert (
        "<option"
        not in web_as(people.admin).get("/patients/search/", {"q": number}).content.decode()
    )


def test_a_therapist_finds_only_their_care_team(people, web_as):
    client = web_as(people.outsider)
    assert "<option" not in client.get("/patients/search/", {"q": "Erin"}).content.decode()
    CareTeamFactory(patient=people.patient, staff=people.outsider)
    assert "Erin" in client.get("/patients/search/", {"q": "Erin"}).content.decode()


def test_an_empty_search_lists_nobody_and_a_long_one_at_most_twenty(people, web_as):
    for n in range(25):
        PatientFactory(clinic=people.clinic, legal_first_name="Sam", legal_last_name=f"S{n:02d}")
    client = web_as(people.admin)
    assert "<option" not in client.get("/patients/search/", {"q": ""}).content.decode()
    assert client.get("/patients/search/", {"q": "Sam"}).content.decode().count("<option") == 20


def test_the_search_is_in_the_audit_trail_with_the_patients_it_returned(people, web_as):
    web_as(people.admin).get("/patients/search/", {"q": "Erin"})
    event = AuditEvent.objects.filter(route="practice:patient-search").get()
    assert event.records == {"practice.patient": [people.patient.pk]}
    assert f" {people.patient.pk} " in event.patients


@pytest.mark.parametrize("count", [10, 100])
def test_the_search_costs_the_same_queries_for_10_or_100_patients(
    people, web_as, django_assert_num_queries, count
):
    Patient.objects.bulk_create(
        PatientFactory.build(clinic=people.clinic, legal_first_name="Kim", legal_last_name=f"K{n}")
        for n in range(count)
    )
    client = web_as(people.admin)
    # 1. the session  2. its user  3. the user's staff record  4. the OTP device
    # 5. the matching patients (one query, LIMIT 20)  + the audit INSERT
    with django_assert_num_queries(6):
        response = client.get("/patients/search/", {"q": "Kim"})
    assert response.content.decode().count("<option") == min(count, 20)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("{pk}", "patient"),
        ("#{pk}", "patient"),
        ("Erin Patient (b. 1990-01-01) · #{pk}", "patient"),
    ],
)
def test_the_field_reads_a_typed_number_or_a_chosen_option(people, typed, expected):
    field = PatientSearchField(queryset=Patient.objects.filter(clinic=people.clinic))
    assert field.clean(typed.format(pk=people.patient.pk)) == people.patient


@pytest.mark.parametrize("typed", ["Erin", "12abc", "9" * 40, "-3.6e+29"])
def test_the_field_says_what_to_type_for_anything_else(people, typed):
    field = PatientSearchField(queryset=Patient.objects.filter(clinic=people.clinic))
    with pytest.raises(Exception, match="Type a patient number"):
        field.clean(typed)


def test_a_number_out_of_reach_reads_like_a_missing_one(people):
    field = PatientSearchField(queryset=Patient.objects.filter(clinic=people.clinic))
    with pytest.raises(
        Exception, match=f"No patient you can see has the number {people.foreign_patient.pk}"
    ):
        field.clean(str(people.foreign_patient.pk))
    with pytest.raises(Exception, match="No patient you can see has the number 999999999"):
        field.clean("999999999")


def test_booking_without_javascript_takes_the_typed_number(people, web_as):
    html = web_as(people.admin).get("/calendar/book/", {"patient": people.patient.pk}).content
    assert f'value="{patient_choice_label(people.patient)}"' in html.decode()
