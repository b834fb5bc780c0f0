"""Every view and every change of a patient's record leaves an audit entry: who, what, when,
from where. Admins read a patient's trail on their Access history page; clinicians do not."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from backend.models import AuditEvent
from practice.models import Diagnosis, Patient

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


def entries_for(obj, action=None):
    qs = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj.__class__), object_id=obj.pk
    )
    if action is not None:
        qs = qs.filter(action=action)
    return list(qs.order_by("timestamp"))


def reads_of(patient):
    return list(
        AuditEvent.objects.filter(patients__contains=f" {patient.pk} ", method="GET").order_by("at")
    )


def test_opening_a_patient_page_is_logged_with_who_and_from_where(people, web_as):
    response = web_as(people.therapist).get(f"/patients/{people.patient.pk}/", REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    [entry] = reads_of(people.patient)
    assert entry.actor == people.therapist.user
    assert entry.remote_addr == ADDRESS
    assert entry.at is not None
    # Reads are AuditEvents only: auditlog keeps the change history.
    assert entries_for(people.patient, LogEntry.Action.ACCESS) == []


def test_reading_a_patient_through_the_api_with_a_token_is_logged_as_the_tokens_user(
    people, api_as
):
    # Token authentication happens after auditlog's middleware ran; the actor must still be
    # the token's user, not anonymous.
    response = api_as(people.medical).get(
        f"/api/v1/patients/{people.patient.pk}/", REMOTE_ADDR=ADDRESS
    )
    assert response.status_code == 200
    [entry] = reads_of(people.patient)
    assert entry.actor == people.medical.user
    assert entry.remote_addr == ADDRESS


def test_the_portal_view_of_a_patients_own_record_is_logged(people, web_as):
    web_as(people.patient).get("/portal/", REMOTE_ADDR=ADDRESS)
    [entry] = reads_of(people.patient)
    assert entry.actor == people.patient.user


def test_a_refused_read_is_logged_as_denied_and_names_no_record(people, api_as):
    api_as(people.outsider).get(f"/api/v1/patients/{people.patient.pk}/")
    assert reads_of(people.patient) == []
    [denied] = AuditEvent.objects.filter(outcome="denied")
    assert denied.actor == people.outsider.user


def test_an_update_through_the_api_is_logged_with_the_change(people, api_as):
    response = api_as(people.admin).patch(
        f"/api/v1/patients/{people.patient.pk}/",
        {"insurance_payer": "Cigna"},
        format="json",
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 200
    [entry] = entries_for(people.patient, LogEntry.Action.UPDATE)
    assert entry.actor == people.admin.user
    assert entry.remote_addr == ADDRESS
    assert entry.changes_dict["insurance_payer"] == ["Aetna", "Cigna"]


def test_an_update_through_the_form_is_logged(people, web_as):
    client = web_as(people.admin)
    url = f"/patients/{people.patient.pk}/edit/"
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    client.post(url, {**data, "escort_name": "Casey Patient"}, REMOTE_ADDR=ADDRESS)
    [entry] = entries_for(people.patient, LogEntry.Action.UPDATE)
    assert entry.actor == people.admin.user
    assert entry.changes_dict["escort_name"] == ["Sam Rivera", "Casey Patient"]


def test_creating_a_patient_and_adding_a_diagnosis_are_logged(people, api_as):
    response = api_as(people.admin).post(
        "/api/v1/patients/",
        {"legal_first_name": "Iris", "legal_last_name": "New", "date_of_birth": "1979-02-03"},
        format="json",
    )
    patient = Patient.objects.get(pk=response.json()["id"])
    [created] = entries_for(patient, LogEntry.Action.CREATE)
    assert created.actor == people.admin.user

    api_as(people.therapist).post(
        f"/api/v1/patients/{people.patient.pk}/diagnoses/", {"code": "F43.10"}, format="json"
    )
    diagnosis = Diagnosis.objects.get(patient=people.patient, code="F43.10")
    [added] = entries_for(diagnosis, LogEntry.Action.CREATE)
    assert added.actor == people.therapist.user


def test_a_bad_update_leaves_no_change_entry(people, api_as):
    api_as(people.admin).patch(
        f"/api/v1/patients/{people.patient.pk}/", {"escort_phone": "12"}, format="json"
    )
    assert entries_for(people.patient, LogEntry.Action.UPDATE) == []


def test_admins_read_a_patients_access_history_on_its_own_page(people, web_as, api_as):
    api_as(people.therapist).get(f"/api/v1/patients/{people.patient.pk}/", REMOTE_ADDR=ADDRESS)
    web_as(people.admin).get(f"/patients/{people.patient.pk}/")
    response = web_as(people.admin).get(f"/patients/{people.patient.pk}/access/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="audit-trail"' in page
    trail = list(response.context["audit_trail"])
    # Newest first: the admin's view of the chart, then the therapist's API read (this
    # request's own row is written after the page).
    assert [(e.actor, e.route) for e in trail[:2]] == [
        (people.admin.user, "practice:patient-detail"),
        (people.therapist.user, "api:patient-detail"),
    ]
    assert "Bob Therapist" in page
    assert ADDRESS in page
    assert f'href="/audit/?patient={people.patient.pk}"' in page


def test_the_access_history_lists_the_100_newest_entries(people, web_as):
    client = web_as(people.admin)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            clinic_id=people.clinic.pk,
            actor=people.therapist.user,
            method="GET",
            route="practice:patient-detail",
            status_code=200,
            outcome="allowed",
            patients=f" {people.patient.pk} ",
        )
        for _ in range(105)
    )
    response = client.get(f"/patients/{people.patient.pk}/access/")
    assert len(response.context["audit_trail"]) == 100


def test_reading_the_access_history_is_audited(people, web_as):
    web_as(people.admin).get(f"/patients/{people.patient.pk}/access/")
    [read] = reads_of(people.patient)
    assert read.route == "practice:patient-access"
    assert read.actor == people.admin.user


def test_the_patient_page_links_to_the_access_history_for_admins(people, web_as):
    page = web_as(people.admin).get(f"/patients/{people.patient.pk}/").content.decode()
    assert f'href="/patients/{people.patient.pk}/access/"' in page
    # The trail itself is no longer rendered on every view of the chart.
    assert 'id="audit-trail"' not in page


def test_the_access_history_costs_the_same_whatever_its_length(people, web_as):
    from tests.test_audit_trail import SqlLog

    client = web_as(people.admin)
    url = f"/patients/{people.patient.pk}/access/"
    client.get(url)
    short = SqlLog()
    with connection.execute_wrapper(short):
        client.get(url)
    for _ in range(5):
        client.get(url)
    long = SqlLog()
    with connection.execute_wrapper(long):
        client.get(url)
    assert len(long.statements) == len(short.statements)


@pytest.mark.parametrize("who", ["therapist", "medical"])
def test_clinicians_do_not_see_the_access_history(people, web_as, who):
    client = web_as(getattr(people, who))
    response = client.get(f"/patients/{people.patient.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="access-history"' not in page
    assert f"/patients/{people.patient.pk}/access/" not in page
    assert client.get(f"/patients/{people.patient.pk}/access/").status_code == 403


def test_another_clinics_patient_has_no_access_history_page(people, web_as):
    response = web_as(people.admin).get(f"/patients/{people.foreign_patient.pk}/access/")
    assert response.status_code == 404
