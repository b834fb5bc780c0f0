"""Telehealth billing: a video session's charges carry the clinic's telehealth place of
service (10 by default, or 02) and modifier 95 on psychotherapy and E/M codes, and the
superbill PDF reads them back."""

import datetime
import re
import secrets

import pytest

from billing.services.charges import charge_approve, charges_suggest_for_session
from billing.services.superbills import superbill_issue
from practice.models import Session
from tests.billing.conftest import DENVER
from tests.billing.test_superbills import OCT, pdf_text
from tests.factories import completed_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def video_session(codes):
    """video_session(day, minutes=55) → a completed integration session by video."""

    def make(day, *, minutes=55):
        session = completed_session(
            patient=codes.patient,
            clinician=codes.therapist,
            starts_at=datetime.datetime.combine(day, datetime.time(10), DENVER),
            minutes=minutes,
        )
        Session.objects.filter(pk=session.pk).update(
            modality="video", video_room=secrets.token_urlsafe(24)
        )
        session.refresh_from_db()
        return session

    return make


def test_a_video_sessions_charge_has_place_of_service_10_and_modifier_95(codes, video_session):
    [charge] = charges_suggest_for_session(session=video_session(datetime.date(2026, 10, 5)))
    assert charge.code == "90837"
    assert charge.place_of_service == "10"
    assert charge.modifiers == ["95"]


def test_the_clinic_may_bill_telehealth_as_place_of_service_02(codes, video_session):
    codes.clinic.telehealth_place_of_service = "02"
    codes.clinic.save()
    [charge] = charges_suggest_for_session(session=video_session(datetime.date(2026, 10, 5)))
    assert (charge.place_of_service, charge.modifiers) == ("02", ["95"])


def test_an_in_person_sessions_charge_keeps_the_clinics_place_and_no_modifier(
    codes, approved_session
):
    [charge] = approved_session(datetime.date(2026, 10, 5))
    assert (charge.place_of_service, charge.modifiers) == ("11", [])


def test_the_first_preparation_by_video_bills_the_evaluation_with_modifier_95(codes):
    session = completed_session(
        patient=codes.patient,
        clinician=codes.therapist,
        starts_at=datetime.datetime(2026, 10, 5, 10, tzinfo=DENVER),
        minutes=60,
        kind="preparation",
    )
    Session.objects.filter(pk=session.pk).update(modality="video", video_room="room-prep-1")
    session.refresh_from_db()
    [charge] = charges_suggest_for_session(session=session)
    assert (charge.code, charge.place_of_service, charge.modifiers) == ("90791", "10", ["95"])


def test_the_modifier_and_place_of_service_read_back_from_the_superbill_pdf(
    codes, video_session, approved_session
):
    for charge in charges_suggest_for_session(session=video_session(datetime.date(2026, 10, 5))):
        charge_approve(charge=charge, approved_by=codes.admin)
    approved_session(datetime.date(2026, 10, 12), minutes=45)
    superbill = superbill_issue(patient=codes.patient, issued_by=codes.admin, **OCT)
    text = re.sub(r"\s+", " ", " ".join(pdf_text(superbill)))
    assert "10/05/2026 10 90837 95 Psychotherapy, 60 minutes (53 min or more)" in text
    assert "10/12/2026 11 90834 Psychotherapy, 45 minutes (38–52 min)" in text
