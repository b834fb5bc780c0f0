"""One scoped lookup: a missing row and a row out of reach are the same 404."""

import pytest
from django.http import Http404

from backend.scoping import get_visible_or_404
from practice.models import Patient

pytestmark = pytest.mark.django_db


def test_it_finds_a_patient_the_requester_may_see(people):
    found = get_visible_or_404(Patient, user=people.therapist.user, pk=people.patient.pk)
    assert found == people.patient


@pytest.mark.parametrize("which", ["foreign", "off_care_team", "missing", "not_a_number"])
def test_it_answers_the_same_404_for_missing_out_of_reach_and_malformed_ids(people, which):
    pk = {
        "foreign": people.foreign_patient.pk,
        "off_care_team": people.other_patient.pk,
        "missing": people.patient.pk + 1000,
        "not_a_number": "abc",
    }[which]
    with pytest.raises(Http404) as refused:
        get_visible_or_404(Patient, user=people.therapist.user, pk=pk)
    assert str(refused.value) == "No patient found."


def test_it_scopes_a_queryset_it_is_given(people):
    narrowed = Patient.objects.select_related("clinic")
    with pytest.raises(Http404):
        get_visible_or_404(narrowed, user=people.other_admin.user, pk=people.patient.pk)
    assert get_visible_or_404(narrowed, user=people.admin.user, pk=people.patient.pk).clinic
