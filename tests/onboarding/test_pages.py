"""The pages: the invitation link, the portal's intake, the staff's list, review, invite."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from onboarding import services
from onboarding.models import IntakeSubmission, Invitation
from tests.onboarding.helpers import complete_steps, invite

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
User = get_user_model()


def test_the_link_asks_for_a_password_signs_in_and_lands_on_the_intake(world):
    _, token = invite(world)
    client = Client()
    page = client.get(f"/invite/{token}/")
    assert page.status_code == 200 and "nina@example.com" in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]

    response = client.post(f"/invite/{token}/", {"password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/portal/intake/"
    intake = client.get("/portal/intake/")
    assert intake.status_code == 200 and "0 of 5 steps done" in intake.content.decode()


def test_two_different_passwords_create_nothing(world):
    _, token = invite(world)
    users = User.objects.count()
    page = Client().post(f"/invite/{token}/", {"password1": PASSWORD, "password2": PASSWORD + "x"})
    assert page.status_code == 200 and "The two passwords differ" in page.content.decode()
    assert User.objects.count() == users


def test_a_weak_password_is_shown_under_the_field(world):
    _, token = invite(world)
    page = Client().post(f"/invite/{token}/", {"password1": "kap", "password2": "kap"})
    assert "too short" in page.content.decode()
    assert Invitation.objects.get().used_at is None


@pytest.mark.parametrize("state", ["unknown", "expired", "used", "revoked"])
def test_an_unusable_link_gets_one_clear_page_and_nothing_is_created(world, state):
    invitation, token = invite(world)
    if state == "unknown":
        token = "not-a-token"
    elif state == "used":
        services.invitation_accept(token=token, password=PASSWORD)
    elif state == "revoked":
        invite(world)
    users = User.objects.count()
    moment = invitation.expires_at + datetime.timedelta(minutes=1)
    with time_machine.travel(moment if state == "expired" else datetime.datetime.now(datetime.UTC)):
        client = Client()
        page = client.get(f"/invite/{token}/")
        posted = client.post(f"/invite/{token}/", {"password1": PASSWORD, "password2": PASSWORD})
    expected = {
        "unknown": "not valid",
        "expired": "expired",
        "used": "already been used",
        "revoked": "replaced by a newer one",
    }[state]
    for response in (page, posted):
        assert response.status_code == 400 and expected in response.content.decode()
    assert User.objects.count() == users
    assert "_auth_user_id" not in client.session


def test_the_patient_saves_a_step_in_the_portal(world, web_as):
    world.newcomer.user = User.objects.create_user(username="nina", password="x")
    world.newcomer.save()
    client = web_as(world.newcomer)
    assert client.get("/portal/intake/contacts/").status_code == 200

    response = client.post(
        "/portal/intake/contacts/",
        {
            "emergency_contact_name": "Omar",
            "emergency_contact_relationship": "Brother",
            "emergency_contact_phone": "+13035550111",
            "escort_name": "Omar",
            "escort_phone": "+13035550111",
        },
    )

    assert response.status_code == 302
    assert IntakeSubmission.objects.get(patient=world.newcomer).contacts_done


def test_a_missing_answer_is_shown_on_the_form_and_saves_nothing(world, web_as):
    world.newcomer.user = User.objects.create_user(username="nina", password="x")
    world.newcomer.save()
    page = web_as(world.newcomer).post("/portal/intake/screening/", {})
    assert page.status_code == 200 and "This field is required" in page.content.decode()
    assert not IntakeSubmission.objects.filter(screening_done=True).exists()


def test_an_unknown_step_is_a_404(world, web_as):
    assert web_as(world.patient).get("/portal/intake/nonsense/").status_code == 404


def _submitted(world):
    services.intake_update(
        patient=world.newcomer, steps=complete_steps(world.clinic, Pregnancy="yes")
    )
    return services.intake_submit(patient=world.newcomer)


def test_staff_see_progress_on_the_list_and_the_patient_page(world, web_as):
    invite(world)
    client = web_as(world.therapist)
    listing = client.get("/intake/").content.decode()
    assert "Newcomer, Nina" in listing and "0 of 5" in listing
    panel = client.get(f"/patients/{world.newcomer.pk}/").content.decode()
    assert 'data-testid="patient-intake"' in panel and "waiting for the patient" in panel


def test_the_review_page_highlights_yes_and_medical_staff_mark_it_reviewed(world, web_as):
    submission = _submitted(world)
    client = web_as(world.medical)
    page = client.get(f"/intake/{submission.pk}/").content.decode()
    assert "1 to look at" in page and 'data-testid="intake-mark-reviewed"' in page

    client.post(f"/intake/{submission.pk}/review/")

    submission.refresh_from_db()
    assert submission.status == "reviewed" and submission.reviewed_by == world.medical


def test_a_therapist_cannot_mark_an_intake_reviewed(world, web_as):
    submission = _submitted(world)
    assert web_as(world.therapist).post(f"/intake/{submission.pk}/review/").status_code == 403
    submission.refresh_from_db()
    assert submission.status == "submitted"


def test_the_screening_page_starts_from_the_intake_when_asked(world, web_as):
    _submitted(world)
    client = web_as(world.medical)
    page = client.get(f"/patients/{world.newcomer.pk}/screenings/new/?prefill=1").content.decode()
    assert 'data-testid="screening-prefilled"' in page and "Sertraline" in page
    plain = client.get(f"/patients/{world.newcomer.pk}/screenings/new/").content.decode()
    assert 'data-testid="screening-prefilled"' not in plain and "Sertraline" not in plain


def test_the_invite_button_sends_the_invitation(world, web_as):
    response = web_as(world.admin).post(
        f"/patients/{world.newcomer.pk}/invite/", {"email": "nina@example.com"}
    )
    assert response.status_code == 302
    assert Invitation.objects.filter(patient=world.newcomer, created_by=world.admin).exists()


def test_the_intake_leads_on_to_the_consents_and_the_insurance_card_upload(world, web_as):
    page = web_as(world.patient).get("/portal/intake/").content.decode()
    assert 'href="/portal/consents/" data-testid="intake-consents"' in page
    assert (
        'href="/portal/documents/?kind=insurance_card_front" data-testid="intake-documents"' in page
    )


def test_the_intake_list_page_costs_a_fixed_number_of_queries(world, web_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import PatientFactory

    client = web_as(world.admin)
    for n in range(3):
        invite(world, patient=PatientFactory(clinic=world.clinic, email=f"n{n}@example.com"))
    client.get("/intake/")
    with CaptureQueriesContext(connection) as three:
        assert client.get("/intake/").status_code == 200
    invite(world, patient=PatientFactory(clinic=world.clinic, email="n9@example.com"))
    with CaptureQueriesContext(connection) as four:
        client.get("/intake/")
    # 1 the session, 2 its user, 3 the user's authenticator device (second factor), 4 the
    # staff member and clinic (role), 5 the count, 6 the page of intakes with their
    # patients, 7 the audit row.
    assert len(four) == len(three) == 7, [q["sql"] for q in four.captured_queries]
