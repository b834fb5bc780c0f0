"""The delivery log's patient filter is the patient search: the page holds no option per
patient, and the GET form's URL carries the patient number alone, never the name."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging.choices import MessageKind, ReminderStatus
from messaging.services import outbox
from practice.forms.patient_search import NUMBER_ONLY_PATTERN, patient_choice_label
from practice.models import Patient
from tests.factories import PatientFactory
from tests.messaging.test_pages import booked

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(outbox.publishing, "publish", lambda ids, queue=None: len(ids))


# 1. session  2. user  3. OTP device  4. staff record and clinic  5. the count of messages
# 6. the page of messages with their patients and sessions  7. the audit INSERT
LOG_QUERIES = 7
# ... and with a patient chosen: 8. that patient, resolved once for the filter and the label
FILTERED_LOG_QUERIES = 8


@pytest.mark.parametrize("others", [3, 60])
def test_the_log_holds_a_search_whose_page_does_not_grow_with_the_clinic(people, web_as, others):
    Patient.objects.bulk_create(
        PatientFactory.build(clinic=people.clinic, legal_first_name="Many") for _ in range(others)
    )
    booked(people)
    client = web_as(people.admin)
    client.get("/reminders/")  # warm the session

    with CaptureQueriesContext(connection) as queries:
        html = client.get("/reminders/").content.decode()

    assert 'hx-get="/patients/search/?field=patient"' in html
    assert "Many" not in html
    # The status and message selects are the only options: none per patient.
    assert html.count("<option") == len(ReminderStatus.choices) + len(MessageKind.choices) + 2
    assert len(queries) == LOG_QUERIES, "\n".join(q["sql"] for q in queries)


def test_the_patient_filter_submits_only_the_number(people, web_as):
    html = web_as(people.admin).get("/reminders/").content.decode()

    field = html.split('name="patient"')[1].split(">")[0]
    # Without JavaScript the browser submits nothing but a number; the script that lets a
    # chosen label through sends only its number too.
    assert f'pattern="{NUMBER_ONLY_PATTERN}"' in field.replace("&quot;", '"')
    assert "data-patient-number-only" in field
    assert 'aria-label="Patient"' in field
    assert "/static/practice/patient-search.js" in html
    assert '<form method="get"' in html


def test_the_filter_shows_one_patients_messages_and_names_the_chosen_patient(people, web_as):
    booked(people)
    booked(people, patient=people.other_patient)
    client = web_as(people.admin)
    client.get("/reminders/")

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/reminders/", {"patient": people.patient.pk})

    assert {r.patient_id for r in page.context["reminders"]} == {people.patient.pk}
    assert f'value="{patient_choice_label(people.patient)}"' in page.content.decode()
    assert len(queries) == FILTERED_LOG_QUERIES, "\n".join(q["sql"] for q in queries)


def test_another_clinics_patient_number_matches_nothing_and_says_so(people, web_as):
    booked(people)
    foreign = people.foreign_patient

    page = web_as(people.admin).get("/reminders/", {"patient": foreign.pk})

    html = page.content.decode()
    assert page.status_code == 200
    assert list(page.context["reminders"]) == []
    assert f"No patient you can see has the number {foreign.pk}." in html
    assert foreign.full_name not in html


def test_a_name_typed_instead_of_chosen_matches_nothing_and_says_what_to_do(people, web_as):
    booked(people)

    page = web_as(people.admin).get("/reminders/", {"patient": "Erin"})

    assert list(page.context["reminders"]) == []
    assert "Type a patient number, or type a name and choose" in page.content.decode()
