"""One staff lookup: `staff_for` finds the staff member behind a request, once."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from backend.roles import staff_for

pytestmark = pytest.mark.django_db


def test_it_finds_the_staff_member_with_the_clinic_in_one_query(people, django_assert_num_queries):
    user = get_user_model().objects.get(pk=people.therapist.user_id)
    # 1. the staff member with its clinic joined
    with django_assert_num_queries(1):
        assert staff_for(user) == people.therapist
        assert staff_for(user).clinic == people.clinic
        assert staff_for(user) == people.therapist


def test_a_patient_and_an_anonymous_user_have_no_staff_member(people):
    assert staff_for(people.patient.user) is None
    assert staff_for(AnonymousUser()) is None
    assert staff_for(None) is None


def test_the_actors_today_is_the_clinics_day_without_a_query(people, django_assert_num_queries):
    import datetime

    import time_machine

    from backend.roles import actor_for
    from practice.models import Clinic

    user = get_user_model().objects.get(pk=people.therapist.user_id)
    actor = actor_for(user)
    # 03:00 UTC on 2 March is still the evening of 1 March in Denver.
    moment = datetime.datetime(2027, 3, 2, 3, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False), django_assert_num_queries(0):
        assert actor.today() == datetime.date(2027, 3, 1)
    with time_machine.travel(moment, tick=False):
        assert actor.today() == Clinic.today_of(people.clinic.pk)
