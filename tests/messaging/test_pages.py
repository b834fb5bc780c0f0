"""The delivery log, resending, the portal panel, preferences, the reminders API, and the
SMS backends. (The confirm/cancel link is scheduling's: tests/scheduling/test_response_link.py.)"""

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from messaging import sms
from messaging.models import MessagePreference, PatientMessaging, Reminder
from messaging.services import outbox
from scheduling.services.reminders import session_reminders_sync
from tests.factories import SessionFactory, StaffFactory


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(outbox.publishing, "publish", lambda ids, queue=None: len(ids))


def booked(people, *, patient=None, hours=72, kind="dosing"):
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=hours)
    patient = patient or people.patient
    session = SessionFactory(
        patient=patient,
        # Its own clinician: PostgreSQL refuses a clinician booked twice at the same time.
        clinician=StaffFactory(clinic=patient.clinic),
        kind=kind,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    session_reminders_sync(session=session)
    return session


def failed_reminder(session):
    reminder = Reminder.objects.filter(session=session, kind="session_48h").get()
    Reminder.objects.filter(pk=reminder.pk).update(
        status="failed", last_error="The mail server refused erin@example.com."
    )
    return reminder


# --- delivery log -------------------------------------------------------------------------


def test_the_delivery_log_filters_by_patient_status_and_kind(people, web_as):
    mine = booked(people)
    booked(people, patient=people.other_patient)
    failed_reminder(mine)
    client = web_as(people.admin)

    page = client.get("/reminders/")
    assert page.status_code == 200
    assert page.context["paginator"].count == 8
    page = client.get(f"/reminders/?patient={people.patient.pk}&status=failed")
    rows = list(page.context["reminders"])
    assert [(r.patient_id, r.kind) for r in rows] == [(people.patient.pk, "session_48h")]
    assert "Resend" in page.content.decode()
    page = client.get("/reminders/?kind=dosing_preparation")
    assert {r.kind for r in page.context["reminders"]} == {"dosing_preparation"}


def test_only_the_clinics_admin_sees_the_delivery_log(people, web_as, client):
    booked(people)
    for person in (people.therapist, people.patient):
        assert web_as(person).get("/reminders/").status_code == 403
    page = web_as(people.other_admin).get("/reminders/")
    assert page.context["paginator"].count == 0


def test_an_admin_resends_a_failed_reminder(people, web_as):
    reminder = failed_reminder(booked(people))
    response = web_as(people.admin).post(f"/reminders/{reminder.pk}/resend/", follow=True)
    assert "will be sent again" in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.status == "pending" and reminder.send_at <= timezone.now()


def test_resending_a_pending_reminder_is_refused_and_changes_nothing(people, web_as):
    reminder = Reminder.objects.filter(session=booked(people)).first()
    before = Reminder.objects.values().get(pk=reminder.pk)
    response = web_as(people.admin).post(f"/reminders/{reminder.pk}/resend/", follow=True)
    assert "Only a failed message can be sent again; this one is pending." in (
        response.content.decode()
    )
    assert Reminder.objects.values().get(pk=reminder.pk) == before


def test_another_clinics_admin_cannot_resend(people, web_as):
    reminder = failed_reminder(booked(people))
    assert web_as(people.other_admin).post(f"/reminders/{reminder.pk}/resend/").status_code == 404
    reminder.refresh_from_db()
    assert reminder.status == "failed"


# --- API ----------------------------------------------------------------------------------


def test_the_reminders_api_is_scoped_and_filterable(people, api_as, django_assert_num_queries):
    booked(people)
    booked(people, patient=people.other_patient)
    admin = api_as(people.admin)
    # Queries: auth token + user, staff member, page of reminders (patient, session
    # joined; a keyset page: no COUNT(*)).
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(4):
        body = admin.get("/api/v1/reminders/?status=pending").json()
    assert len(body["results"]) == 8
    assert len(api_as(people.patient).get("/api/v1/reminders/").json()["results"]) == 4
    assert api_as(people.therapist).get("/api/v1/reminders/").status_code == 403
    other = Reminder.objects.filter(patient=people.other_patient).first()
    assert api_as(people.patient).get(f"/api/v1/reminders/{other.pk}/").status_code == 404
    assert api_as(people.other_admin).get(f"/api/v1/reminders/{other.pk}/").status_code == 404


def test_the_api_resends_a_failed_reminder_and_refuses_a_sent_one(people, api_as):
    session = booked(people)
    reminder = failed_reminder(session)
    admin = api_as(people.admin)
    response = admin.post(f"/api/v1/reminders/{reminder.pk}/resend/")
    assert response.status_code == 200 and response.json()["status"] == "pending"
    Reminder.objects.filter(pk=reminder.pk).update(status="sent", sent_at=timezone.now())
    response = admin.post(f"/api/v1/reminders/{reminder.pk}/resend/")
    assert response.status_code == 409
    assert response.json()["code"] == "reminder_not_resendable"
    assert (
        api_as(people.patient).post(f"/api/v1/reminders/{reminder.pk}/resend/").status_code == 403
    )


# --- portal -------------------------------------------------------------------------------


def test_the_portal_lists_the_patients_upcoming_reminders(people, web_as):
    booked(people)
    booked(people, patient=people.other_patient, kind="integration")
    page = web_as(people.patient).get("/portal/").content.decode()
    panel = page.split('data-testid="portal-reminders"', 1)[1].split("</section>", 1)[0]
    assert "Dosing preparation instructions" in panel
    assert panel.count("<tr><td>") == 4


def test_a_patient_opts_out_and_consents_to_sms_on_the_preferences_page(people, web_as):
    session = booked(people)
    client = web_as(people.patient)
    assert client.get("/portal/preferences/").status_code == 200
    form = {f"channel_{k}": v for k, v in outbox.DEFAULT_CHANNELS.items()}
    form.update({"channel_session_48h": "none", "channel_session_2h": "sms", "sms_consent": "on"})
    response = client.post("/portal/preferences/", form, follow=True)
    assert "Your message preferences are saved." in response.content.decode()

    messaging = PatientMessaging.objects.get(patient=people.patient)
    assert messaging.sms_consent_at is not None
    statuses = {(r.kind, r.channel): r.status for r in Reminder.objects.filter(session=session)}
    assert statuses[("session_48h", "email")] == "cancelled"
    assert statuses[("session_2h", "sms")] == "pending"
    assert statuses[("session_2h", "email")] == "cancelled"
    assert MessagePreference.objects.get(patient=people.patient, kind="session_48h").channel == (
        "none"
    )


def test_sms_consent_needs_a_phone_number(people, web_as):
    people.patient.phone = ""
    people.patient.save()
    form = {f"channel_{k}": v for k, v in outbox.DEFAULT_CHANNELS.items()}
    form["sms_consent"] = "on"
    response = web_as(people.patient).post("/portal/preferences/", form)
    assert "Add a mobile number to your record" in response.content.decode()
    assert not PatientMessaging.objects.filter(patient=people.patient).exists()


def test_staff_cannot_open_the_preferences_page(people, web_as):
    assert web_as(people.admin).get("/portal/preferences/").status_code == 403


# --- SMS backends -------------------------------------------------------------------------


def test_the_outbox_sms_backend_writes_one_file_per_message(settings, tmp_path):
    settings.SMS_OUTBOX_PATH = tmp_path / "sms"
    message_id = sms.OutboxSmsBackend().send(to="+13035550177", body="Hello", reference="r-1")
    [path] = list((tmp_path / "sms").glob("*-r-1-*.json"))
    assert json.loads(path.read_text())["id"] == message_id


class FakeProvider(BaseHTTPRequestHandler):
    answers: list = []
    received: list = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        FakeProvider.received.append(
            (self.path, self.headers["Authorization"], self.rfile.read(length))
        )
        status, body = FakeProvider.answers.pop(0)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(settings):
    server = HTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_REST_BASE_URL = f"http://127.0.0.1:{server.server_port}"
    settings.SMS_REST_ACCOUNT_SID = "AC123"
    settings.SMS_REST_AUTH_TOKEN = "secret"
    settings.SMS_REST_FROM = "+13035550100"
    FakeProvider.answers, FakeProvider.received = [], []
    yield FakeProvider
    server.shutdown()


def test_the_rest_sms_backend_posts_to_the_provider(provider):
    provider.answers.append((201, {"sid": "SM42", "status": "queued"}))
    assert sms.RestSmsBackend().send(to="+13035550177", body="Hi there", reference="r-1") == "SM42"
    path, auth, body = provider.received[0]
    assert path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert auth.startswith("Basic ")
    assert b"To=%2B13035550177" in body and b"Body=Hi+there" in body


def test_the_rest_sms_backend_tells_transient_from_permanent_errors(provider):
    provider.answers += [(503, {}), (429, {}), (400, {"message": "Invalid 'To' number"})]
    backend = sms.RestSmsBackend()
    for _ in range(2):
        with pytest.raises(sms.TransientSmsError):
            backend.send(to="+1", body="x", reference="r")
    with pytest.raises(sms.PermanentSmsError, match="Invalid 'To' number"):
        backend.send(to="+1", body="x", reference="r")


def test_an_unreachable_provider_is_a_transient_error(settings):
    settings.SMS_REST_BASE_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.SMS_REST_ACCOUNT_SID = "AC1"
    settings.SMS_REST_AUTH_TOKEN = "t"
    settings.SMS_REST_FROM = "+13035550100"
    with pytest.raises(sms.TransientSmsError, match="unreachable"):
        sms.RestSmsBackend().send(to="+13035550177", body="x", reference="r")


# 10:00 in Denver: a reminder due in an hour falls outside the quiet hours.
@time_machine.travel(datetime.datetime(2027, 2, 3, 17, 0, tzinfo=datetime.UTC))
def test_a_provider_refusal_fails_the_reminder_without_retrying(people, provider, settings):
    settings.SMS_BACKEND = "messaging.sms.RestSmsBackend"
    PatientMessaging.objects.create(patient=people.patient, sms_consent_at=timezone.now())
    session = booked(people, hours=1, kind="integration")
    reminder = Reminder.objects.get(session=session, channel="sms")
    provider.answers.append((400, {"message": "Number is not mobile"}))
    from messaging.tasks import reminder_send

    assert reminder_send(reminder.pk) == "failed"
    reminder.refresh_from_db()
    assert "Number is not mobile" in reminder.last_error and reminder.attempts == 1
    assert mail.outbox == []


# 03:30 UTC on 1 December is 20:30 on 30 November in Denver, the demo clinic's zone.
LATE_EVENING = datetime.datetime(2026, 12, 1, 3, 30, tzinfo=datetime.UTC)


@time_machine.travel(LATE_EVENING - datetime.timedelta(days=3), tick=False)
def test_pages_show_times_in_the_clinics_zone_near_midnight_utc(people, web_as):
    session = booked(people)
    reminder = Reminder.objects.filter(session=session).earliest("send_at")
    Reminder.objects.filter(pk=reminder.pk).update(send_at=LATE_EVENING)
    assert people.clinic.timezone == "America/Denver"

    portal = web_as(people.patient).get("/portal/").content.decode()
    panel = portal.split('data-testid="portal-reminders"', 1)[1].split("</section>", 1)[0]
    assert "Mon Nov 30, 8:30 PM" in panel
    assert "Dec 1" not in panel

    staff_page = web_as(people.admin).get(f"/sessions/{session.pk}/").content.decode()
    # The product's one date-time format, on the clinic's clock.
    assert "Nov 30, 2026, 8:30 PM" in staff_page
    assert "Dec 1, 2026, 3:30 AM" not in staff_page

    log = web_as(people.admin).get("/reminders/").content.decode()
    assert "Nov 30, 2026, 8:30 PM" in log and "Dec 1, 2026, 3:30 AM" not in log
    assert "Times are in the clinic's time zone." in log


def test_saving_preferences_writes_only_the_kinds_whose_channel_changed(
    people, web_as, django_assert_max_num_queries
):
    from auditlog.models import LogEntry

    client = web_as(people.patient)
    form = {f"channel_{k}": v for k, v in outbox.DEFAULT_CHANNELS.items()}
    assert client.post("/portal/preferences/", form).status_code == 302
    saved = {p.kind: p.updated_at for p in MessagePreference.objects.filter(patient=people.patient)}
    assert "session_48h" in saved and len(saved) > 10
    logged = LogEntry.objects.get_for_model(MessagePreference).count()

    # The same form again: one read of the choices and no write for any kind; before, each
    # of the 19 kinds cost a savepoint, a locking read, an update and a release (76).
    # session, user, actor (staff, patient), the patient, their messaging row and
    # choices (initial values), the service: messaging row locked, its checks and update
    # with its change-log entry, the choices, the re-planned sessions; the audit row.
    with django_assert_max_num_queries(QUERIES_PREFERENCES_SAVE):
        assert client.post("/portal/preferences/", form).status_code == 302
    unchanged = {
        p.kind: p.updated_at for p in MessagePreference.objects.filter(patient=people.patient)
    }
    assert unchanged == saved
    assert LogEntry.objects.get_for_model(MessagePreference).count() == logged

    # One kind changed: that row alone is written, with its change-log entry.
    form["channel_session_48h"] = "none"
    assert client.post("/portal/preferences/", form).status_code == 302
    after = {p.kind: p for p in MessagePreference.objects.filter(patient=people.patient)}
    assert after["session_48h"].channel == "none"
    assert after["session_48h"].updated_at > saved["session_48h"]
    assert [k for k in after if after[k].updated_at != saved[k]] == ["session_48h"]
    assert LogEntry.objects.get_for_model(MessagePreference).count() == logged + 1


QUERIES_PREFERENCES_SAVE = 17
