"""The billing desk's reads stay bounded as a clinic's history grows: the sessions awaiting
charges are those of the billing window only, and /billing/ costs the same queries for 10
completed sessions as for 100."""

import datetime

import pytest
import time_machine
from django.test import override_settings

from billing.selectors import sessions_awaiting_charges
from billing.services.charges import charges_suggest_pending
from tests.billing.conftest import DENVER
from tests.factories import completed_session
from tests.queries import queries_of

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 1, 12, tzinfo=DENVER)


def _completed(people, days_ago, minutes=55):
    return completed_session(
        patient=people.patient,
        clinician=people.therapist,
        starts_at=NOW - datetime.timedelta(days=days_ago),
        minutes=minutes,
    )


@override_settings(BILLING_UNCHARGED_WINDOW_DAYS=90)
def test_only_the_billing_windows_completed_sessions_await_charges(codes):
    recent = _completed(codes, days_ago=89)
    _completed(codes, days_ago=91)
    awaiting = sessions_awaiting_charges(clinic_id=codes.clinic.pk, now=NOW)
    assert list(awaiting) == [recent]
    with time_machine.travel(NOW, tick=False):
        assert charges_suggest_pending(clinic_id=codes.clinic.pk) == 1


def test_the_default_window_is_a_year(codes):
    within = _completed(codes, days_ago=364)
    _completed(codes, days_ago=366)
    assert list(sessions_awaiting_charges(clinic_id=codes.clinic.pk, now=NOW)) == [within]


def test_the_billing_desk_costs_the_same_queries_for_10_or_100_sessions(codes, web_as):
    counts = []
    with time_machine.travel(NOW, tick=False):
        client = web_as(codes.admin)
        for total in (10, 100):
            while _count_completed(codes) < total:
                _completed(codes, days_ago=1 + _count_completed(codes) % 300, minutes=15)
            counts.append(len(queries_of(client, "/billing/")))
    assert counts[0] == counts[1]


def _count_completed(people):
    from practice.models import Session

    return Session.objects.filter(clinic=people.clinic, status="completed").count()
