"""The hourly retreat-welcome sweep running while the desk enrolls and cancels a patient: no
welcome is left waiting for a cancelled enrollment (PostgreSQL, real concurrency)."""

import datetime as dt

import pytest
import time_machine

from messaging.choices import MessageKind, ReminderStatus
from messaging.models import Reminder
from practice.models import Patient
from scheduling.models import Enrollment, Retreat
from scheduling.services.reminders import retreat_welcomes_enqueue
from scheduling.services.retreats import enrollment_cancel, enrollment_create
from tests.concurrency import side_by_side
from tests.conftest import requires_postgres
from tests.factories import RetreatFactory
from tests.scheduling.conftest import clear_for_retreat, local

pytestmark = [requires_postgres, pytest.mark.postgres]

ROUNDS = 60


@pytest.mark.django_db(transaction=True)
def test_the_welcome_sweep_never_queues_a_welcome_for_a_cancelled_enrollment(people):
    retreat = RetreatFactory(
        clinic=people.clinic, starts_on=dt.date(2027, 3, 1), ends_on=dt.date(2027, 3, 5)
    )
    clear_for_retreat(people.patient, people.medical)

    def desk():
        me = Patient.objects.get(pk=people.patient.pk)
        place = Retreat.objects.get(pk=retreat.pk)
        for _ in range(ROUNDS):
            enrollment = enrollment_create(retreat=place, patient=me)
            enrollment_cancel(enrollment=enrollment, reason="race")

    def sweep():
        for _ in range(ROUNDS * 4):
            retreat_welcomes_enqueue()

    # Four days before the retreat: inside the sweep's eight days, past the welcome's time
    # (a week ahead), so every welcome is due at once and waits in the outbox.
    with time_machine.travel(local(2027, 2, 25, 8), tick=False):
        assert side_by_side(desk, sweep) == []
    assert Enrollment.objects.filter(retreat=retreat).count() == ROUNDS
    assert not Enrollment.objects.filter(retreat=retreat).exclude(status="cancelled").exists()
    waiting = Reminder.objects.filter(
        kind=MessageKind.RETREAT_WELCOME, status=ReminderStatus.PENDING
    )
    assert list(waiting.values_list("target_id", flat=True)) == []
