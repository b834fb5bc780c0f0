"""The clinical pages render for the right people and refuse the others."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from practice import services
from practice.models import DosingRecord, SafetyAlert, Session, TreatmentPlan
from tests.factories import ScreeningFactory, SessionFactory, TreatmentPlanFactory
from tests.practice.clinical import cleared_with_plan, dose, dosing_session, stock_lot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("therapist", 200), ("medical", 200), ("outsider", 404), ("other_admin", 404)],
)
def test_session_page_follows_the_scoping(people, web_as, who, status):
    session = SessionFactory(patient=people.patient, clinician=people.therapist)
    response = web_as(getattr(people, who)).get(f"/sessions/{session.pk}/")
    assert response.status_code == status


def test_a_patient_cannot_open_the_staff_session_page(people, web_as):
    session = SessionFactory(patient=people.patient, clinician=people.therapist)
    assert web_as(people.patient).get(f"/sessions/{session.pk}/").status_code == 403


def test_the_session_page_renders_the_session_detail_panels(people, web_as, settings, tmp_path):
    # A panel another app would add: it gets the page's context (session, patient).
    (tmp_path / "probe_panel.html").write_text("PANEL {{ session.pk }} of {{ patient.pk }}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    settings.KAP_PANELS = {**settings.KAP_PANELS, "session_detail": ["probe_panel.html"]}
    session = SessionFactory(patient=people.patient, clinician=people.therapist)
    response = web_as(people.therapist).get(f"/sessions/{session.pk}/")
    assert f"PANEL {session.pk} of {people.patient.pk}" in response.content.decode()


def test_medical_staff_record_a_dose_and_vitals_on_the_page(people, web_as):
    session = dosing_session(people)
    lot = stock_lot(people)
    client = web_as(people.medical)
    page = client.get(f"/sessions/{session.pk}/")
    assert "Record dose" in page.content.decode()
    assert f"lot {lot.lot_number}" in page.content.decode()  # the lot selector
    response = client.post(
        f"/sessions/{session.pk}/",
        {
            "action": "dosing",
            "dosing-escort_confirmed": "on",
            "dosing-fasting_confirmed": "on",
            "dosing-predose_systolic": "130",
            "dosing-predose_diastolic": "84",
            "dosing-predose_heart_rate": "76",
            "dosing-predose_spo2": "98",
            "dosing-route": "im",
            "dosing-weight_kg": "70",
            "dosing-dose_mg": "42",
            "dosing-lot": str(lot.pk),
        },
    )
    assert response.status_code == 302
    record = DosingRecord.objects.get()
    assert str(record.dose_mg_per_kg) == "0.600"
    assert record.lot_number == lot.lot_number
    assert record.ledger_entries.get().quantity_mg == -42
    page = client.get(f"/sessions/{session.pk}/").content.decode()
    assert "Controlled-substance ledger" in page  # the ledger's session panel
    assert "Record waste with witness" in page
    response = client.post(
        f"/sessions/{session.pk}/",
        {
            "action": "vitals",
            "vitals-systolic": "186",
            "vitals-diastolic": "100",
            "vitals-heart_rate": "92",
            "vitals-spo2": "97",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "out of range" in html
    assert "systolic 186 ≥ 180" in html
    assert SafetyAlert.objects.get().session == session


def test_the_page_shows_the_gate_refusal_and_keeps_the_values(people, web_as):
    session = dosing_session(people)
    response = web_as(people.medical).post(
        f"/sessions/{session.pk}/",
        {
            "action": "dosing",
            "dosing-escort_confirmed": "on",
            "dosing-predose_systolic": "168",
            "dosing-predose_diastolic": "84",
            "dosing-route": "im",
            "dosing-weight_kg": "70",
            "dosing-dose_mg": "49",
            "dosing-lot": str(stock_lot(people).pk),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Confirm the patient has fasted for 4 hours" in html
    assert "168/84 is at or above" in html
    assert 'value="168"' in html
    assert not DosingRecord.objects.exists()


def test_a_therapist_cannot_post_a_dose_on_the_page(people, web_as):
    session = dosing_session(people)
    response = web_as(people.therapist).post(
        f"/sessions/{session.pk}/", {"action": "dosing", "dosing-dose_mg": "49"}
    )
    assert response.status_code == 403
    assert not DosingRecord.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/today/",
        "/alerts/",
        "/worklist/kap-cycle/",
        "/patients/{patient}/",
        "/patients/{patient}/screenings/new/",
        "/patients/{patient}/plans/new/",
        "/patients/{patient}/sessions/new/",
        "/patients/{patient}/measures/new/?instrument=phq9",
        "/patients/{patient}/measures/new/?instrument=pcl5",
        "/patients/{patient}/risk-assessments/new/",
        "/patients/{patient}/safety-plan/",
        "/plans/{plan}/",
        "/sessions/{session}/",
    ],
)
def test_staff_pages_render(people, web_as, path):
    plan = cleared_with_plan(people)
    session = dosing_session(people, plan)
    record = dose(people, session)
    from practice import services

    services.vitals_record(
        record=record, by=people.medical, systolic=120, diastolic=80, heart_rate=70, spo2=98
    )
    url = path.format(patient=people.patient.pk, plan=plan.pk, session=session.pk)
    response = web_as(people.medical).get(url)
    assert response.status_code == 200, url


def test_portal_renders_plan_sessions_and_questionnaires(people, web_as):
    plan = cleared_with_plan(people)
    start = timezone.now() + datetime.timedelta(days=2)
    SessionFactory(
        patient=people.patient, clinician=people.medical, kind="dosing", plan=plan, starts_at=start
    )
    html = web_as(people.patient).get("/portal/").content.decode()
    assert "My treatment plan" in html
    assert "Nothing to eat for 4 hours" in html
    # Plain-language titles with how long each takes, and the upcoming sessions once.
    assert "<strong>Anxiety check-in (GAD-7)</strong>, about 2 minutes" in html
    assert "<strong>Mood check-in (PHQ-9)</strong>, about 3 minutes" in html
    assert html.count("My upcoming sessions") == 1
    # The rest is behind headed sections the patient opens.
    assert '<details class="card" id="my-details">' in html


def test_the_questionnaire_page_names_it_plainly_with_how_long_it_takes(people, web_as):
    cleared_with_plan(people)
    html = web_as(people.patient).get("/portal/questionnaires/gad7/").content.decode()
    assert "<h1>Anxiety check-in (GAD-7)" in html
    assert "It takes about 2 minutes." in html


def test_each_input_of_the_vitals_row_has_an_accessible_name(people, web_as):
    # The row has no room for visible labels; screen readers (and the browser test) need names.
    record = dose(people, dosing_session(people))
    page = web_as(people.medical).get(f"/sessions/{record.session_id}/").content.decode()
    for name in ("Time of reading", "Systolic", "Diastolic", "Heart rate", "SpO2"):
        assert f'aria-label="{name}"' in page


def test_a_cleared_screening_leads_on_to_the_plan(people, web_as):
    screening = ScreeningFactory(patient=people.patient, screened_by=people.medical)
    client = web_as(people.medical)
    page = client.get(f"/screenings/{screening.pk}/").content.decode()
    assert f'href="/patients/{people.patient.pk}/plans/new/">Draft a treatment plan' in page
    plan = TreatmentPlanFactory(patient=people.patient, status="draft")
    page = client.get(f"/screenings/{screening.pk}/").content.decode()
    assert f'href="/plans/{plan.pk}/">Open the treatment plan' in page
    assert "Draft a treatment plan" not in page
    # Admins do not draft plans; a screening not cleared leads nowhere yet.
    assert (
        "Open the treatment plan"
        not in web_as(people.admin).get(f"/screenings/{screening.pk}/").content.decode()
    )


def test_staff_entering_answers_may_say_when_they_were_given_in_clinic_time(people, web_as):
    import datetime
    import zoneinfo

    from practice.models import MeasureResponse

    client = web_as(people.therapist)
    url = f"/patients/{people.patient.pk}/measures/new/?instrument=gad7"
    page = client.get(url).content.decode()
    assert "Answered at (clinic time)" in page
    answers = {f"item_{n}": "1" for n in range(1, 8)}

    # A time still to come is refused, and nothing is saved.
    future = (
        datetime.datetime.now(zoneinfo.ZoneInfo("America/Denver")) + datetime.timedelta(days=1)
    ).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {**answers, "answered_at": future}, follow=True)
    assert "cannot be answered in the future" in response.content.decode()
    assert not MeasureResponse.objects.exists()

    # 18:30 in Denver ten days ago, read as clinic time (not the server's UTC).
    zone = people.clinic.zone
    day = (datetime.datetime.now(zone) - datetime.timedelta(days=10)).date()
    given = datetime.datetime.combine(day, datetime.time(18, 30), tzinfo=zone)
    response = client.post(url, {**answers, "answered_at": given.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    saved = MeasureResponse.objects.get()
    assert saved.answered_at == given
    assert saved.answered_at.astimezone(datetime.UTC).hour != 18
    assert saved.score == 7

    # Patients answer now; the portal has no such field.
    portal = web_as(people.patient).get("/portal/questionnaires/gad7/").content.decode()
    assert "Answered at" not in portal


PLAN_FORM = {
    "route": "im",
    "starting_dose_mg_per_kg": "0.5",
    "induction_target_sessions": "6",
    "induction_weeks": "3",
    "maintenance_interval_days": "30",
    "goals": "",
}


def test_a_models_validation_in_the_plan_service_is_shown_on_the_form_not_a_500(
    people, web_as, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError({"starting_dose_mg_per_kg": ["Above the route's usual range."]})

    monkeypatch.setattr(services, "plan_create", refuse)
    response = web_as(people.medical).post(f"/patients/{people.patient.pk}/plans/new/", PLAN_FORM)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "starting_dose_mg_per_kg": ["Above the route's usual range."]
    }
    assert not TreatmentPlan.objects.exists()


def test_a_models_validation_naming_no_field_on_the_plan_form_is_shown_above_it(
    people, web_as, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError("The patient already has a plan in progress.")

    monkeypatch.setattr(services, "plan_create", refuse)
    response = web_as(people.medical).post(f"/patients/{people.patient.pk}/plans/new/", PLAN_FORM)
    assert response.status_code == 200
    assert "The patient already has a plan in progress." in response.content.decode()
    assert not TreatmentPlan.objects.exists()


def test_the_questionnaire_invitation_names_each_one_plainly_with_how_long_it_takes():
    from messaging.services.questionnaires import INVITED

    assert INVITED == (
        "Anxiety check-in (GAD-7), about 2 minutes and Mood check-in (PHQ-9), about 3 minutes"
    )


def _new_session_form(people, **fields):
    start = timezone.localtime(timezone.now() + datetime.timedelta(days=3), people.clinic.zone)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    return {
        "kind": "integration",
        "clinician": people.therapist.pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + datetime.timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M"),
        **fields,
    }


@time_machine.travel(datetime.datetime(2026, 11, 17, 18, 0, tzinfo=datetime.UTC), tick=False)
def test_the_new_session_page_books_by_video_with_the_telehealth_consent(people, web_as):
    from practice.choices import ConsentKind
    from tests.factories import consents_signed

    consents_signed(people.patient, [ConsentKind.TELEHEALTH])
    client = web_as(people.therapist)
    page = client.get(f"/patients/{people.patient.pk}/sessions/new/").content.decode()
    assert 'name="modality"' in page and "Video" in page

    answer = client.post(
        f"/patients/{people.patient.pk}/sessions/new/", _new_session_form(people, modality="video")
    )

    session = Session.objects.get(patient=people.patient)
    assert answer.status_code == 302 and answer["Location"] == f"/sessions/{session.pk}/"
    assert session.modality == "video" and session.room is None and session.video_room


@time_machine.travel(datetime.datetime(2026, 11, 17, 18, 0, tzinfo=datetime.UTC), tick=False)
@pytest.mark.parametrize(
    ("consent", "kind", "refusal"),
    [
        (False, "integration", "The patient signs before a video session."),
        (True, "dosing", "A dosing session is never by video"),
    ],
)
def test_the_new_session_page_refuses_video_without_consent_or_for_a_dose(
    people, web_as, consent, kind, refusal
):
    from practice.choices import ConsentKind
    from tests.factories import consents_signed

    cleared_with_plan(people)
    if consent:
        consents_signed(people.patient, [ConsentKind.TELEHEALTH])

    answer = web_as(people.medical).post(
        f"/patients/{people.patient.pk}/sessions/new/",
        _new_session_form(people, kind=kind, modality="video", clinician=people.medical.pk),
    )

    assert answer.status_code == 200
    assert refusal in answer.content.decode()
    assert not Session.objects.exists()


@time_machine.travel(datetime.datetime(2026, 11, 17, 18, 0, tzinfo=datetime.UTC), tick=False)
def test_the_new_session_page_books_in_person_when_where_is_left_out(people, web_as):
    answer = web_as(people.therapist).post(
        f"/patients/{people.patient.pk}/sessions/new/", _new_session_form(people)
    )
    assert answer.status_code == 302
    assert Session.objects.get().modality == "in_person"
