"""One audit row per request that reads or writes patient data: lists and searches name
the records they returned, refusals are recorded, the rows cannot be changed, and old rows
are purged only past the retention."""

import datetime

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.models.functions import Now

from backend.audit import audit_purge
from backend.models import AuditEvent
from scheduling.services.feeds import calendar_feed_issue
from tests.conftest import on_postgres, requires_postgres
from tests.factories import PatientFactory, SessionFactory

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


def only_event() -> AuditEvent:
    [event] = AuditEvent.objects.all()
    return event


class SqlLog:
    """Every statement run while installed with `connection.execute_wrapper`."""

    def __init__(self):
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)

    def inserts_into(self, table) -> int:
        return sum(1 for sql in self.statements if sql.startswith(f'INSERT INTO "{table}"'))


def test_a_patient_search_names_the_patients_returned_and_the_term(people, api_as):
    response = api_as(people.admin).get(
        "/api/v1/patients/", {"search": "Erin"}, REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT="probe/1"
    )
    assert response.status_code == 200
    returned = [row["id"] for row in response.json()["results"]]
    assert returned == [people.patient.pk]
    event = only_event()
    assert event.records == {"practice.patient": returned}
    assert event.terms == {"search": "Erin"}
    assert event.route == "api:patient-list"
    assert (event.actor, event.role, event.clinic) == (people.admin.user, "admin", people.clinic)
    assert (event.method, event.status_code, event.outcome) == ("GET", 200, "allowed")
    assert (event.remote_addr, event.user_agent) == (ADDRESS, "probe/1")
    assert event.patients == f" {people.patient.pk} "


def test_a_list_names_every_row_on_its_page_in_one_row(people, api_as):
    extra = PatientFactory(clinic=people.clinic, legal_last_name="Zed")
    response = api_as(people.admin).get("/api/v1/patients/")
    returned = [row["id"] for row in response.json()["results"]]
    assert set(returned) >= {people.patient.pk, extra.pk}
    assert only_event().records == {"practice.patient": returned}


def test_the_patient_list_page_names_the_patients_shown(people, web_as):
    response = web_as(people.admin).get("/patients/", {"q": "Erin"})
    assert response.status_code == 200
    event = only_event()
    assert event.route == "practice:patient-list"
    assert event.records == {"practice.patient": [people.patient.pk]}
    assert event.terms == {"q": "Erin"}


def test_a_request_writes_exactly_one_audit_row_with_one_insert(people, api_as):
    PatientFactory.create_batch(3, clinic=people.clinic)
    client = api_as(people.admin)
    few = SqlLog()
    with connection.execute_wrapper(few):
        client.get("/api/v1/patients/")
    assert few.inserts_into("backend_auditevent") == 1
    PatientFactory.create_batch(5, clinic=people.clinic)
    many = SqlLog()
    with connection.execute_wrapper(many):
        client.get("/api/v1/patients/")
    # token + user, staff + clinic (the actor), count, page, diagnoses, care team, the insert
    assert len(many.statements) == len(few.statements) == 7
    assert AuditEvent.objects.count() == 2


def test_a_read_of_an_out_of_reach_patient_is_recorded_as_denied(people, api_as):
    response = api_as(people.outsider).get(f"/api/v1/patients/{people.patient.pk}/")
    assert response.status_code == 404
    event = only_event()
    assert (event.outcome, event.status_code) == ("denied", 404)
    assert event.target == {"pk": str(people.patient.pk)}
    assert event.actor == people.outsider.user
    assert event.records == {}


def test_a_missing_id_on_a_page_is_recorded_as_denied(people, web_as):
    response = web_as(people.therapist).get("/patients/999999/")
    assert response.status_code == 404
    event = only_event()
    assert (event.route, event.outcome, event.target) == (
        "practice:patient-detail",
        "denied",
        {"pk": "999999"},
    )


def test_a_role_refusal_is_recorded(people, api_as):
    response = api_as(people.therapist).post(
        "/api/v1/patients/", {"legal_first_name": "X"}, format="json"
    )
    assert response.status_code == 403
    assert (only_event().outcome, only_event().status_code) == ("denied", 403)


def test_a_bad_token_is_recorded_as_a_denied_anonymous_attempt(people, client):
    response = client.get("/api/v1/patients/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401
    event = only_event()
    assert (event.actor, event.outcome, event.status_code) == (None, "denied", 401)
    assert event.route == "api:patient-list"


def test_a_calendar_feed_fetch_is_recorded_without_its_token(people, client):
    session = SessionFactory(patient=people.patient, clinician=people.therapist)
    feed = calendar_feed_issue(patient=people.patient)
    response = client.get(f"/calendar/feed/{feed.token}.ics?token=again")
    assert response.status_code == 200
    event = only_event()
    assert event.route == "scheduling:feed"
    assert event.records == {"practice.session": [session.pk]}
    assert feed.token not in str(event.target) + str(event.terms)
    assert event.patients == f" {people.patient.pk} "


def test_a_write_names_the_record_it_touched(people, api_as):
    response = api_as(people.admin).patch(
        f"/api/v1/patients/{people.patient.pk}/", {"insurance_payer": "Cigna"}, format="json"
    )
    assert response.status_code == 200
    event = only_event()
    assert (event.method, event.records) == ("PATCH", {"practice.patient": [people.patient.pk]})


def test_pages_outside_patient_data_are_not_audited(people, web_as):
    web_as(people.admin).get("/login/")
    assert not AuditEvent.objects.exists()


def test_the_append_only_trigger_refuses_updates_on_sqlite_too(people, api_as):
    if on_postgres():
        pytest.skip("the PostgreSQL trigger has its own test")
    api_as(people.admin).get("/api/v1/patients/")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.update(status_code=200, route="changed")


def _event(at) -> AuditEvent:
    return AuditEvent.objects.create(
        at=at, method="GET", route="api:patient-list", status_code=200, outcome="allowed"
    )


def test_the_purge_removes_only_rows_older_than_the_retention(people, settings):
    settings.AUDIT_RETENTION_DAYS = 2192
    old = _event(datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    recent = _event(Now())
    assert audit_purge() == {"events": 1, "log_entries": 0}
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert audit_purge() == {"events": 0, "log_entries": 0}


def test_the_purge_runs_from_the_command_and_the_schedule():
    from django.core.management import call_command

    from backend.schedules import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["audit-purge"]["task"] == "backend.tasks.audit_purge_expired"
    old = _event(datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    call_command("audit_purge")
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


@requires_postgres
@pytest.mark.postgres
@pytest.mark.parametrize("table", ["backend_auditevent", "auditlog_logentry"])
def test_postgresql_refuses_update_and_delete_of_audit_rows(people, api_as, table):
    api_as(people.admin).patch(
        f"/api/v1/patients/{people.patient.pk}/", {"insurance_payer": "Cigna"}, format="json"
    )
    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with (
            pytest.raises((IntegrityError, InternalError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    # The purge flag does not open recent rows either.
    with (
        pytest.raises((IntegrityError, InternalError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL kap.audit_purge = 'on'")
        cursor.execute(f"DELETE FROM {table}")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] >= 1


@requires_postgres
@pytest.mark.postgres
def test_postgresql_lets_the_purge_delete_old_rows_only(people):
    old = _event(datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    recent = _event(Now())
    # Without the purge's flag the old row is refused too.
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        AuditEvent.objects.filter(pk=old.pk).delete()
    assert audit_purge()["events"] == 1
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]


def test_admins_filter_their_clinics_trail_by_patient_actor_and_outcome(people, api_as, web_as):
    other = PatientFactory(clinic=people.clinic)
    api_as(people.therapist).get(f"/api/v1/patients/{people.patient.pk}/")
    api_as(people.admin).get(f"/api/v1/patients/{other.pk}/")
    api_as(people.outsider).get(f"/api/v1/patients/{people.patient.pk}/")
    api_as(people.other_admin).get("/api/v1/patients/")
    client = web_as(people.admin)

    def shown(**filters):
        response = client.get("/audit/", filters)
        assert response.status_code == 200
        return [(e.actor, e.route) for e in response.context["events"]]

    everything = shown()
    assert (people.other_admin.user, "api:patient-list") not in everything  # other clinic
    assert shown(patient=people.patient.pk) == [(people.therapist.user, "api:patient-detail")]
    mine = shown(actor=people.admin.user.pk)
    assert {actor for actor, _ in mine} == {people.admin.user}
    assert (people.admin.user, "api:patient-detail") in mine
    assert shown(outcome="denied") == [(people.outsider.user, "api:patient-detail")]
    assert shown(since="2000-01-01", until="2000-01-02") == []
    assert (
        client.get("/audit/", {"since": "2001-01-02", "until": "2001-01-01"}).context["form"].errors
    )


@pytest.mark.parametrize("who", ["therapist", "medical", "patient"])
def test_only_admins_open_the_audit_trail(people, web_as, who):
    assert web_as(getattr(people, who)).get("/audit/").status_code == 403


def test_the_audit_trail_page_is_paged_at_a_constant_query_count(people, api_as, web_as):
    client = web_as(people.admin)
    api_as(people.therapist).get(f"/api/v1/patients/{people.patient.pk}/")
    short = SqlLog()
    with connection.execute_wrapper(short):
        client.get("/audit/")
    for _ in range(60):
        api_as(people.therapist).get(f"/api/v1/patients/{people.patient.pk}/")
    long = SqlLog()
    with connection.execute_wrapper(long):
        response = client.get("/audit/")
    assert len(response.context["events"]) == 50
    assert response.context["is_paginated"]
    # session, user, staff + clinic, count, page (actors joined), the audit insert
    assert len(long.statements) == len(short.statements)
