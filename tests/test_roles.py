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
