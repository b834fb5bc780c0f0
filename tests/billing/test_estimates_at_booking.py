"""Good Faith Estimates given at scheduling: booking a self-pay patient's session issues the
plan's estimate after commit (through the Celery task, run eagerly here) and tells the patient
only that a document waits in the portal; when the rule's requirements are missing the booking
still stands and Today shows "Good Faith Estimate due" with what is missing; a self-pay
patient's session within 3 days without a current estimate is flagged."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billing.models import EstimateDue, GoodFaithEstimate
from billing.selectors import sessions_without_estimate
from billing.services.estimates import estimate_issue
from billing.services.estimates_auto import estimate_for_session
from messaging.models import Reminder
from practice.models import Session
from scheduling.services.booking import session_book, session_book_check
from tests.factories import SessionFactory, TreatmentPlanFactory, working_hours_every_day

pytestmark = pytest.mark.django_db
DENVER = ZoneInfo("America/Denver")
# Monday 1 February 2027, 08:00 in Denver.
NOW = dt.datetime(2027, 2, 1, 8, 0, tzinfo=DENVER)


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2027, 2, day, hour, 0, tzinfo=DENVER)


@pytest.fixture
def clinic(codes, settings):
    """The personas' clinic with prices; Erin is uninsured with an active plan; tasks run
    eagerly (as the worker would)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    working_hours_every_day(codes.therapist)
    patient = codes.patient
    patient.insurance_payer = ""
    patient.insurance_member_id = ""
    patient.save()
    codes.plan = TreatmentPlanFactory(patient=patient, induction_target_sessions=6)
    with time_machine.travel(NOW, tick=False):
        yield codes


def book(clinic, capture, *, day: int = 10, plan=None):
    with capture(execute=True):
        return session_book(
            patient=clinic.patient,
            clinician=clinic.therapist,
            kind="integration",
            starts_at=at(day),
            ends_at=at(day, 11),
            plan=plan or clinic.plan,
            booked_by=clinic.admin,
        )


def test_booking_a_self_pay_patient_issues_the_estimate_and_queues_a_message_without_phi(
    clinic, django_capture_on_commit_callbacks
):
    book(clinic, django_capture_on_commit_callbacks)

    estimate = GoodFaithEstimate.objects.get(plan=clinic.plan)
    assert (estimate.version, estimate.issued_at) == (1, NOW)
    assert not EstimateDue.objects.exists()
    [message] = Reminder.objects.filter(kind="estimate_ready")
    assert (message.patient, message.target_type) == (clinic.patient, "estimate")
    assert message.target_id == str(estimate.pk)
    said = message.subject + message.body_text + message.body_html
    assert "document is waiting" in said
    for phi in (
        clinic.patient.full_name,
        str(estimate.total),
        "$",
        "intramuscular",
        "dosing",
        "F41",
        "90837",
        "estimate",
    ):
        assert phi.lower() not in said.lower(), phi


def test_a_second_booking_of_an_unchanged_plan_issues_nothing_new_and_a_changed_plan_a_new_version(
    clinic, django_capture_on_commit_callbacks
):
    book(clinic, django_capture_on_commit_callbacks, day=10)
    book(clinic, django_capture_on_commit_callbacks, day=11)
    assert GoodFaithEstimate.objects.filter(plan=clinic.plan).count() == 1

    clinic.plan.induction_target_sessions = 4
    clinic.plan.save()
    book(clinic, django_capture_on_commit_callbacks, day=12)

    current = GoodFaithEstimate.objects.get(plan=clinic.plan, superseded_by__isnull=True)
    assert current.version == 2
    assert {r["quantity"] for r in current.items if r["code"] == "90837"} == {1, 4}


def test_an_incomplete_clinic_still_books_and_today_shows_the_estimate_due_until_issued(
    clinic, django_capture_on_commit_callbacks, web_as
):
    clinic.clinic.npi = ""
    clinic.clinic.save()

    session = book(clinic, django_capture_on_commit_callbacks)

    assert Session.objects.filter(pk=session.pk, status="scheduled").exists()
    assert not GoodFaithEstimate.objects.exists()
    assert not Reminder.objects.filter(kind="estimate_ready").exists()
    due = EstimateDue.objects.get(plan=clinic.plan)
    assert due.missing == ["the practice has no organisation NPI"]
    admin = web_as(clinic.admin)
    for page in ("/today/", "/billing/"):
        html = admin.get(page).content.decode()
        assert 'data-testid="estimate-due"' in html, page
        assert "Good Faith Estimate due" in html
        assert "the practice has no organisation NPI" in html
        assert clinic.patient.full_name in html
    # Therapists do not run billing: no panel for them.
    assert "Good Faith Estimate due" not in web_as(clinic.therapist).get("/today/").content.decode()

    clinic.clinic.npi = "1234567893"
    clinic.clinic.save()
    estimate_issue(plan=clinic.plan, issued_by=clinic.admin)

    assert not EstimateDue.objects.exists()
    assert "Good Faith Estimate due" not in admin.get("/today/").content.decode()


def test_an_insured_patient_gets_no_estimate_and_nothing_is_noted(
    clinic, django_capture_on_commit_callbacks
):
    clinic.patient.insurance_payer = "Aetna"
    clinic.patient.save()

    book(clinic, django_capture_on_commit_callbacks)

    assert not GoodFaithEstimate.objects.exists()
    assert not EstimateDue.objects.exists()


def test_a_dry_run_of_a_booking_issues_nothing(clinic, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        problems = session_book_check(
            patient=clinic.patient,
            clinician=clinic.therapist,
            kind="integration",
            starts_at=at(10),
            ends_at=at(10, 11),
            plan=clinic.plan,
        )

    assert problems == []
    assert not Session.objects.exists()
    assert not GoodFaithEstimate.objects.exists()


def test_a_failing_hook_never_undoes_the_booking(
    clinic, django_capture_on_commit_callbacks, settings
):
    settings.KAP_SESSION_BOOKED = ["billing.services.estimates_auto.no_such_hook"]

    session = book(clinic, django_capture_on_commit_callbacks)

    assert Session.objects.filter(pk=session.pk).exists()


def test_the_task_run_twice_issues_one_version(clinic):
    session = SessionFactory(
        patient=clinic.patient, clinician=clinic.therapist, plan=clinic.plan, starts_at=at(10)
    )

    assert estimate_for_session(session_id=session.pk) == "issued"
    assert estimate_for_session(session_id=session.pk) == "not_needed"
    assert GoodFaithEstimate.objects.count() == 1


def test_a_self_pay_session_within_3_days_without_an_estimate_is_flagged(clinic, web_as):
    soon = SessionFactory(
        patient=clinic.patient, clinician=clinic.therapist, plan=clinic.plan, starts_at=at(3)
    )
    SessionFactory(  # four days away: not yet
        patient=clinic.patient, clinician=clinic.therapist, plan=clinic.plan, starts_at=at(5)
    )
    insured = SessionFactory(clinician=clinic.therapist, patient__clinic=clinic.clinic)
    assert insured.patient.insurance_payer

    assert list(sessions_without_estimate(clinic_id=clinic.clinic.pk)) == [soon]
    admin = web_as(clinic.admin)
    assert 'data-testid="session-without-estimate"' in (
        admin.get(f"/sessions/{soon.pk}/").content.decode()
    )
    assert f"/sessions/{soon.pk}/" in admin.get("/today/").content.decode()

    estimate_issue(plan=clinic.plan, issued_by=clinic.admin)

    assert not sessions_without_estimate(clinic_id=clinic.clinic.pk).exists()
    assert 'data-testid="session-without-estimate"' not in (
        admin.get(f"/sessions/{soon.pk}/").content.decode()
    )


def test_the_portal_shows_the_patients_current_estimate(clinic, web_as):
    estimate = estimate_issue(plan=clinic.plan, issued_by=clinic.admin)

    page = web_as(clinic.patient).get("/portal/").content.decode()

    assert f'data-testid="portal-estimate-{estimate.pk}"' in page
