import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import RoomFactory, TreatmentPlanFactory, working_hours_every_day

DENVER = ZoneInfo("America/Denver")


def local(y, m, d, h, minute=0):
    """An aware datetime at clinic-local wall-clock time (America/Denver)."""
    return dt.datetime(y, m, d, h, minute, tzinfo=DENVER)


@pytest.fixture
def frozen():
    # Monday 1 February 2027, 08:00 in Denver: every booking below is in the future.
    with time_machine.travel(local(2027, 2, 1, 8), tick=False) as traveller:
        yield traveller


@pytest.fixture
def cal(people, frozen):
    """The personas' clinic with two dosing rooms, a group room and clinicians' hours 8–18."""
    for staff in (people.therapist, people.outsider, people.medical):
        working_hours_every_day(staff)
    return SimpleNamespace(
        people=people,
        dosing_a=RoomFactory(clinic=people.clinic, name="Dosing A", dosing_capable=True),
        dosing_b=RoomFactory(clinic=people.clinic, name="Dosing B", dosing_capable=True),
        circle=RoomFactory(
            clinic=people.clinic, name="Circle room", capacity=8, dosing_capable=False
        ),
        plan=TreatmentPlanFactory(patient=people.patient),
    )


def clear_for_retreat(patient, screener):
    """A cleared screening covering 2027 and a running plan, so the patient may be dosed."""
    from tests.factories import ScreeningFactory, TreatmentPlanFactory

    ScreeningFactory(
        patient=patient,
        screened_by=screener,
        screened_on=dt.date(2027, 1, 15),
        expires_on=dt.date(2028, 1, 14),
    )
    return TreatmentPlanFactory(patient=patient, status="active")


def spring_intensive(cal, *, capacity: int):
    """A five-day retreat in March 2027 with the standard daily template, three clinicians
    and three rooms (the two dosing rooms seat four)."""
    from scheduling.services import retreats

    for room in (cal.dosing_a, cal.dosing_b):
        room.capacity = 4
        room.save()
    retreat = retreats.retreat_create(
        clinic=cal.people.clinic,
        name="Spring intensive",
        starts_on=dt.date(2027, 3, 1),
        ends_on=dt.date(2027, 3, 5),
        capacity=capacity,
        price="4800.00",
        staff=[cal.people.therapist, cal.people.outsider, cal.people.medical],
        rooms=[cal.dosing_a, cal.dosing_b, cal.circle],
    )
    retreats.retreat_template_default(retreat=retreat)
    return retreat
