"""Inviting a new patient to the portal and using the link: each refusal creates nothing."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from messaging.models import Reminder
from onboarding import services
from onboarding.errors import InvalidInput, InvitationRefused, InvitationUnusable, RoleNotAllowed
from onboarding.models import IntakeSubmission, Invitation
from tests.onboarding.helpers import invite

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
User = get_user_model()


def test_an_invitation_stores_only_the_tokens_digest_and_queues_one_email(world):
    invitation, token = invite(world)

    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    [email] = Reminder.objects.filter(target_type="invitation", target_id=str(invitation.pk))
    assert email.kind == "portal_invitation" and email.channel == "email"
    assert f"/invite/{token}/" in email.body_text
    assert IntakeSubmission.objects.get(patient=world.newcomer).status == "not_started"


def test_the_invitation_email_names_the_clinic_and_nothing_about_the_patient(world):
    invitation, _ = invite(world)
    email = Reminder.objects.get(target_type="invitation", target_id=str(invitation.pk))

    assert world.clinic.name in email.subject
    for text in (email.subject, email.body_text, email.body_html):
        assert "Nina" not in text and "Newcomer" not in text and "1986" not in text


def test_the_invitation_expires_after_the_configured_days(world, settings):
    settings.INTAKE_INVITATION_DAYS = 3
    with time_machine.travel(datetime.datetime(2026, 11, 2, 15, tzinfo=datetime.UTC), tick=False):
        invitation, _ = invite(world)
    assert invitation.expires_at == datetime.datetime(2026, 11, 5, 15, tzinfo=datetime.UTC)


def test_the_default_expiry_is_seven_days():
    from django.conf import settings

    assert settings.INTAKE_INVITATION_DAYS == 7


def test_inviting_again_revokes_the_earlier_link_and_cancels_its_unsent_email(world):
    first, first_token = invite(world)
    second, second_token = invite(world)

    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    assert Reminder.objects.get(target_type="invitation", target_id=str(first.pk)).status == (
        "cancelled"
    )
    with pytest.raises(InvitationUnusable, match="replaced"):
        services.invitation_accept(token=first_token, password=PASSWORD)
    assert services.invitation_accept(token=second_token, password=PASSWORD).pk


def test_a_new_email_address_replaces_the_one_on_file(world):
    invitation, _ = invite(world, email="nina.new@example.com")
    world.newcomer.refresh_from_db()
    assert world.newcomer.email == invitation.email == "nina.new@example.com"


def test_a_patient_who_already_has_a_login_is_not_invited(world):
    with pytest.raises(InvitationRefused, match="already has a portal login"):
        invite(world, patient=world.patient)
    assert not Invitation.objects.exists()


def test_a_patient_without_an_email_is_not_invited(world):
    world.newcomer.email = ""
    world.newcomer.save()
    with pytest.raises(InvitationRefused, match="email"):
        invite(world)
    assert not Invitation.objects.exists() and not Reminder.objects.exists()


def test_a_malformed_email_is_refused(world):
    with pytest.raises(InvalidInput):
        invite(world, email="not-an-address")
    assert not Invitation.objects.exists()


def test_a_therapist_off_the_care_team_cannot_invite(world):
    with pytest.raises(RoleNotAllowed):
        invite(world, by=world.outsider)
    assert not Invitation.objects.exists()


def test_the_care_team_may_invite(world):
    invitation, _ = invite(world, by=world.therapist)
    assert invitation.created_by == world.therapist


def test_another_clinics_admin_cannot_invite(world):
    with pytest.raises(InvalidInput):
        invite(world, by=world.other_admin)
    assert not Invitation.objects.exists()


def test_accepting_creates_the_portal_login_links_it_and_marks_the_link_used(world):
    invitation, token = invite(world)

    user = services.invitation_accept(token=token, password=PASSWORD)

    world.newcomer.refresh_from_db()
    invitation.refresh_from_db()
    assert world.newcomer.user == user and user.username == "nina@example.com"
    assert user.check_password(PASSWORD)
    assert invitation.used_at is not None


def test_a_username_already_taken_gets_a_generated_one(world):
    User.objects.create_user(username="nina@example.com", password="x")
    _, token = invite(world)
    user = services.invitation_accept(token=token, password=PASSWORD)
    assert user.username.startswith("patient-") and user.email == "nina@example.com"


def test_a_weak_password_is_refused_and_nothing_is_created(world):
    invitation, token = invite(world)
    users = User.objects.count()

    with pytest.raises(InvalidInput) as refused:
        services.invitation_accept(token=token, password="short")

    assert "password" in refused.value.extra["fields"]
    assert User.objects.count() == users
    invitation.refresh_from_db()
    assert invitation.used_at is None


def _nothing_created(users_before, invitation):
    invitation.refresh_from_db()
    invitation.patient.refresh_from_db()
    return User.objects.count() == users_before and invitation.patient.user_id is None


def test_an_expired_link_is_refused_and_nothing_is_created(world):
    invitation, token = invite(world)
    users = User.objects.count()
    with (
        time_machine.travel(invitation.expires_at + datetime.timedelta(seconds=1)),
        pytest.raises(InvitationUnusable, match="expired") as refused,
    ):
        services.invitation_accept(token=token, password=PASSWORD)
    assert refused.value.code == "invitation_expired"
    assert _nothing_created(users, invitation)


def test_a_used_link_is_refused_the_second_time(world):
    _invitation, token = invite(world)
    services.invitation_accept(token=token, password=PASSWORD)
    users = User.objects.count()

    with pytest.raises(InvitationUnusable, match="already been used") as refused:
        services.invitation_accept(token=token, password=PASSWORD + "2")

    assert refused.value.code == "invitation_used"
    assert User.objects.count() == users


def test_a_revoked_link_is_refused_and_nothing_is_created(world):
    invitation, token = invite(world)
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    users = User.objects.count()
    with pytest.raises(InvitationUnusable) as refused:
        services.invitation_accept(token=token, password=PASSWORD)
    assert refused.value.code == "invitation_revoked"
    assert _nothing_created(users, invitation)


def test_an_unknown_link_is_refused(world):
    users = User.objects.count()
    with pytest.raises(InvitationUnusable, match="not valid") as refused:
        services.invitation_accept(token="no-such-token", password=PASSWORD)
    assert refused.value.code == "invitation_unknown"
    assert User.objects.count() == users


def test_a_link_for_a_patient_who_got_a_login_meanwhile_is_refused(world):
    _invitation, token = invite(world)
    world.newcomer.user = User.objects.create_user(username="nina-other", password="x")
    world.newcomer.save()
    users = User.objects.count()
    with pytest.raises(InvitationUnusable, match="already have a portal login"):
        services.invitation_accept(token=token, password=PASSWORD)
    assert User.objects.count() == users


def test_once_the_invitation_is_sent_the_stored_copy_no_longer_holds_the_link(world, mailoutbox):
    from messaging.services.outbox.sending import reminder_deliver

    # Late morning in Denver: outside every quiet hour.
    with time_machine.travel(datetime.datetime(2026, 11, 2, 18, tzinfo=datetime.UTC), tick=False):
        invitation, token = invite(world)
        email = Reminder.objects.get(target_type="invitation", target_id=str(invitation.pk))
        assert reminder_deliver(reminder_id=email.pk) == "sent"

    [sent] = mailoutbox
    assert f"/invite/{token}/" in sent.body  # the patient gets the link
    email.refresh_from_db()
    assert email.status == "sent"
    for stored in (email.body_text, email.body_html):
        assert token not in stored and "/invite/" not in stored
        assert "[link removed after sending]" in stored
    # The link itself still works for her.
    with time_machine.travel(datetime.datetime(2026, 11, 3, 18, tzinfo=datetime.UTC)):
        assert services.invitation_check(token=token).pk == invitation.pk


def test_the_back_office_never_shows_an_unsent_invitations_link(world, admin_client):
    invitation, token = invite(world)
    email = Reminder.objects.get(target_type="invitation", target_id=str(invitation.pk))
    assert email.status == "pending" and token in email.body_text  # the sender needs it

    page = admin_client.get(f"/admin/messaging/reminder/{email.pk}/change/")

    assert page.status_code == 200
    text = page.content.decode()
    assert token not in text and "/invite/" not in text
    assert "[link removed after sending]" in text
