"""Working hours are wall-clock times in the clinic's zone and survive daylight saving."""

import datetime as dt

import pytest
import time_machine

from scheduling.errors import OutsideWorkingHours
from scheduling.services.availability import working_hours_set, working_intervals
from scheduling.services.booking import session_book
from tests.factories import RoomFactory
from tests.scheduling.conftest import DENVER, local

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@time_machine.travel(dt.datetime(2027, 3, 1, tzinfo=UTC), tick=False)
def test_nine_to_five_stays_nine_to_five_local_across_the_spring_change(people):
    # 2027-03-14 is the US change from MST (UTC-7) to MDT (UTC-6).
    weekly = [(d, dt.time(9), dt.time(17)) for d in range(5)]
    working_hours_set(clinician=people.therapist, weekly=weekly)
    hours = working_intervals(
        clinic=people.clinic,
        clinician_ids=[people.therapist.pk],
        start=dt.datetime(2027, 3, 12, tzinfo=UTC),
        end=dt.datetime(2027, 3, 17, tzinfo=UTC),
    )[people.therapist.pk]
    friday, monday, tuesday = hours[0], hours[1], hours[2]
    assert friday == (
        dt.datetime(2027, 3, 12, 16, tzinfo=UTC),
        dt.datetime(2027, 3, 13, 0, tzinfo=UTC),
    )
    assert monday == (
        dt.datetime(2027, 3, 15, 15, tzinfo=UTC),
        dt.datetime(2027, 3, 15, 23, tzinfo=UTC),
    )
    for start, end in (friday, monday, tuesday):
        assert start.astimezone(DENVER).time() == dt.time(9)
        assert end.astimezone(DENVER).time() == dt.time(17)


@time_machine.travel(dt.datetime(2027, 10, 25, tzinfo=UTC), tick=False)
def test_bookings_at_nine_local_fit_on_both_sides_of_the_autumn_change(people):
    # 2027-11-07: MDT (UTC-6) back to MST (UTC-7).
    working_hours_set(
        clinician=people.therapist, weekly=[(d, dt.time(9), dt.time(17)) for d in range(7)]
    )
    room = RoomFactory(clinic=people.clinic)
    for day in (dt.date(2027, 11, 5), dt.date(2027, 11, 8)):
        start = local(day.year, day.month, day.day, 9)
        session_book(
            patient=people.patient,
            clinician=people.therapist,
            kind="integration",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=8),
            room=room,
        )
        with pytest.raises(OutsideWorkingHours, match=r"\(09:00–17:00\)"):
            early = local(day.year, day.month, day.day, 8)
            session_book(
                patient=people.other_patient,
                clinician=people.therapist,
                kind="integration",
                starts_at=early,
                ends_at=early + dt.timedelta(minutes=45),
            )
