"""A patient saving their message preferences while the front desk books and cancels their
sessions: neither side fails (PostgreSQL, real concurrency)."""

import datetime as dt

import pytest

from messaging.choices import MessageKind, ReminderStatus
from messaging.models import Reminder
from messaging.services.preferences import messaging_preferences_update
from practice.models import Patient, StaffMember
from scheduling.services.booking import session_book, session_cancel
from tests.concurrency import side_by_side
from tests.conftest import requires_postgres
from tests.factories import ClinicFactory, PatientFactory, StaffFactory, working_hours_every_day
from tests.scheduling.conftest import local

pytestmark = [requires_postgres, pytest.mark.postgres]

ROUNDS = 120
START = local(2031, 6, 4, 10)


@pytest.mark.django_db(transaction=True)
def test_saving_preferences_while_sessions_are_booked_and_cancelled_never_fails():
    clinic = ClinicFactory()
    clinician = StaffFactory(clinic=clinic)
    working_hours_every_day(clinician)
    patient = PatientFactory(clinic=clinic, email="p@example.org")

    def desk():
        me = Patient.objects.get(pk=patient.pk)
        staff = StaffMember.objects.get(pk=clinician.pk)
        for n in range(ROUNDS):
            starts = START + dt.timedelta(days=n)
            session = session_book(
                patient=me,
                clinician=staff,
                kind="integration",
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=1),
            )
            session_cancel(session=session, reason="race")

    def portal():
        me = Patient.objects.get(pk=patient.pk)
        for n in range(ROUNDS * 2):
            messaging_preferences_update(
                patient=me,
                channels=dict.fromkeys(MessageKind.values, "email"),
                sms_consent=False,
                share_session_type=bool(n % 2),
            )

    assert side_by_side(desk, portal) == []
    # Every session was cancelled: none may have a reminder still waiting to go out.
    assert not Reminder.objects.filter(
        patient=patient, status=ReminderStatus.PENDING, session__status="cancelled"
    ).exists()
