"""The invitation under concurrency, on PostgreSQL: row locks, not luck."""

import pytest
from django.contrib.auth import get_user_model

from onboarding import services
from onboarding.errors import InvitationUnusable
from onboarding.models import Invitation
from tests.conftest import requires_postgres
from tests.onboarding.helpers import invite
from tests.practice.test_risk_concurrency_postgres import run_at_once

pytestmark = [requires_postgres, pytest.mark.postgres]
PASSWORD = "correct horse battery staple"


@pytest.mark.django_db(transaction=True)
def test_one_link_used_four_times_at_once_makes_one_login(world):
    _, token = invite(world)
    users = get_user_model().objects.count()

    results, errors = run_at_once(
        [lambda: services.invitation_accept(token=token, password=PASSWORD)] * 4
    )

    assert len(results) == 1 and [type(e) for e in errors] == [InvitationUnusable] * 3
    assert get_user_model().objects.count() == users + 1
    world.newcomer.refresh_from_db()
    assert world.newcomer.user == results[0]


@pytest.mark.django_db(transaction=True)
def test_two_invitations_sent_at_once_leave_one_open_link(world):
    results, errors = run_at_once(
        [
            lambda who=who: services.invitation_send(patient=world.newcomer, by=who)
            for who in (world.admin, world.therapist)
        ]
    )
    assert errors == [] and len(results) == 2
    assert Invitation.objects.filter(used_at=None, revoked_at=None).count() == 1
