"""The admin filters the delivery log by a patient chosen through the search: the list shows
that patient's messages, and the address bar (a GET form) holds the patient number, never the
name; without the script the browser refuses a typed name before anything is sent."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from messaging.services import outbox
from scheduling.services.reminders import session_reminders_sync
from tests.e2e.pickers import choose_patient
from tests.factories import SessionFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(outbox.publishing, "publish", lambda ids, queue=None: len(ids))


def booked(patient):
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=72)
    session = SessionFactory(
        patient=patient,
        clinician=StaffFactory(clinic=patient.clinic),
        kind="dosing",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    session_reminders_sync(session=session)


def test_the_log_filters_by_a_chosen_patient_with_only_the_number_in_the_url(people, page, login):
    booked(people.patient)
    booked(people.other_patient)
    login("alice")
    page.goto("/reminders/")

    choose_patient(page, "Erin", people.patient.full_name)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"patient="))

    assert parse_qs(urlsplit(page.url).query)["patient"] == [str(people.patient.pk)]
    assert people.patient.legal_first_name not in page.url
    log = page.get_by_test_id("delivery-log").inner_text()
    assert people.patient.full_name in log
    assert people.other_patient.full_name not in log


def test_without_the_script_a_typed_name_is_never_submitted(people, browser, live_server):
    from tests.e2e.conftest import make_login

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        make_login(page)("alice")
        page.goto("/reminders/")
        page.fill("#id_patient", "Erin")
        page.get_by_role("button", name="Filter").click()
        # The browser's own check (the input's pattern) stops the form: nothing is sent.
        assert "Erin" not in page.url
        assert "patient=" not in page.url
    finally:
        context.close()


def test_the_log_with_its_patient_search_fits_a_phone(people, phone, phone_login):
    from tests.e2e.test_phone_and_keyboard import overflow, too_wide

    booked(people.patient)
    phone_login("alice")
    response = phone.goto(f"/reminders/?patient={people.patient.pk}")
    assert response.ok
    assert phone.get_by_label("Patient").first.is_visible()
    assert overflow(phone) == 0, too_wide(phone)
