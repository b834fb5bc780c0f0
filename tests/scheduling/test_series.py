"""Recurring series: one action, conflicts reported with alternatives (never skipped
silently), local time kept across DST, changes from an occurrence onward."""

import datetime as dt

import pytest

from practice.models import Session
from scheduling.models import SessionBooking, SessionSeries
from scheduling.selectors import free_slots
from scheduling.services.booking import session_book
from scheduling.services.series import (
    SeriesConflicts,
    series_book,
    series_book_check,
    series_cancel_from,
    series_change_from,
)
from tests.scheduling.conftest import DENVER, local

pytestmark = pytest.mark.django_db


def weekly(cal, **changes):
    kwargs = {
        "patient": cal.people.patient,
        "clinician": cal.people.therapist,
        "kind": "integration",
        "first_starts_at": local(2027, 2, 3, 10),
        "duration_minutes": 60,
        "interval_days": 7,
        "occurrences": 8,
        "room": cal.circle,
        **changes,
    }
    return series_book(**kwargs)


def test_a_series_keeps_its_local_time_across_the_dst_change(cal):
    series = weekly(cal)
    starts = [
        s.starts_at.astimezone(DENVER)
        for s in Session.objects.filter(booking__series=series).order_by("starts_at")
    ]
    assert len(starts) == 8
    assert {(t.hour, t.minute) for t in starts} == {(10, 0)}
    # 2027-03-14 switches MST→MDT: the UTC hour changes, the local one does not.
    assert {t.utcoffset() for t in starts} == {dt.timedelta(hours=-7), dt.timedelta(hours=-6)}


def test_conflicting_occurrences_are_reported_with_alternatives_and_nothing_is_booked(cal):
    session_book(
        patient=cal.people.other_patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 17, 10, 30),
        ends_at=local(2027, 2, 17, 11, 30),
        room=cal.dosing_a,
    )
    with pytest.raises(SeriesConflicts) as refused:
        weekly(cal)
    report = refused.value.extra["occurrences"]
    assert [o["index"] for o in report] == [2]
    assert (
        "Bob Therapist, LCSW is booked: an integration session Wed Feb 17, 10:30 AM"
        in (report[0]["problems"][0])
    )
    assert "#" not in report[0]["problems"][0]
    assert len(report[0]["alternatives"]) == 3
    assert "1 of 8 occurrences cannot be booked" in refused.value.message
    assert Session.objects.count() == 1 and not SessionSeries.objects.exists()

    # Told explicitly to skip it, the rest is booked.
    series = weekly(cal, skip=frozenset({2}))
    indexes = sorted(
        SessionBooking.objects.filter(series=series).values_list("series_index", flat=True)
    )
    assert indexes == [0, 1, 3, 4, 5, 6, 7]


def test_a_series_changes_from_an_occurrence_onward(cal):
    series = weekly(cal, occurrences=4)
    sessions = list(Session.objects.filter(booking__series=series).order_by("starts_at"))
    changed = series_change_from(session=sessions[2], starts_at=local(2027, 2, 18, 15))
    assert len(changed) == 2
    after = list(Session.objects.filter(booking__series=series).order_by("starts_at"))
    assert [s.starts_at for s in after] == [
        local(2027, 2, 3, 10),
        local(2027, 2, 10, 10),
        local(2027, 2, 18, 15),
        local(2027, 2, 25, 15),
    ]
    series_cancel_from(session=after[3], reason="Course finished")
    assert Session.objects.get(pk=after[3].pk).status == "cancelled"
    assert Session.objects.filter(booking__series=series, status="scheduled").count() == 3


def test_changing_a_series_into_a_conflict_changes_nothing(cal):
    series = weekly(cal, occurrences=3)
    session_book(
        patient=cal.people.other_patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 17, 15),
        ends_at=local(2027, 2, 17, 16),
        room=cal.dosing_a,
    )
    first = Session.objects.filter(booking__series=series).order_by("starts_at").first()
    before = list(Session.objects.order_by("pk").values_list("starts_at", flat=True))
    with pytest.raises(SeriesConflicts, match="1 of 3 occurrences cannot be changed"):
        series_change_from(session=first, starts_at=local(2027, 2, 3, 15))
    assert list(Session.objects.order_by("pk").values_list("starts_at", flat=True)) == before


def test_free_slots_skip_bookings_and_follow_the_grid(cal):
    session_book(
        patient=cal.people.patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 2, 8),
        ends_at=local(2027, 2, 2, 9),
        room=cal.dosing_a,
    )
    slots = free_slots(
        clinic=cal.people.clinic,
        start=local(2027, 2, 2, 0),
        end=local(2027, 2, 3, 0),
        length=dt.timedelta(minutes=60),
        count=3,
        clinicians=[cal.people.therapist],
        room_needed="dosing",
    )
    assert [s.starts_at for s in slots] == [
        local(2027, 2, 2, 9),
        local(2027, 2, 2, 9, 15),
        local(2027, 2, 2, 9, 30),
    ]
    # Dosing A is free again at 9:00, so the first dosing room is offered.
    assert [s.room.name for s in slots] == ["Dosing A"] * 3


def series_kwargs(cal, **changes):
    return {
        "patient": cal.people.patient,
        "clinician": cal.people.therapist,
        "kind": "integration",
        "first_starts_at": local(2027, 2, 3, 10),
        "duration_minutes": 60,
        "interval_days": 7,
        "occurrences": 4,
        "room": cal.circle,
        **changes,
    }


def test_checking_a_series_that_fits_books_nothing_and_says_every_occurrence_would_book(cal):
    before = (Session.objects.count(), SessionSeries.objects.count())
    check = series_book_check(**series_kwargs(cal, skip=frozenset({2})))
    assert (Session.objects.count(), SessionSeries.objects.count()) == before
    assert check.ok and check.refusal == ""
    assert [(o["index"], o["outcome"]) for o in check.occurrences] == [
        (0, "booked"),
        (1, "booked"),
        (2, "skipped"),
        (3, "booked"),
    ]
    # The real booking then does exactly what the check said.
    series = series_book(**series_kwargs(cal, skip=frozenset({2})))
    assert sorted(series.bookings.values_list("series_index", flat=True)) == [0, 1, 3]


def test_checking_a_conflicting_series_gives_the_real_bookings_answer_and_books_nothing(cal):
    session_book(
        patient=cal.people.other_patient,
        clinician=cal.people.therapist,
        kind="integration",
        starts_at=local(2027, 2, 17, 10, 30),
        ends_at=local(2027, 2, 17, 11, 30),
        room=cal.dosing_a,
    )
    before = Session.objects.count()
    check = series_book_check(**series_kwargs(cal))
    assert Session.objects.count() == before
    assert not SessionSeries.objects.exists()
    with pytest.raises(SeriesConflicts) as refused:
        series_book(**series_kwargs(cal))
    assert check.refusal == refused.value.message
    assert check.refused == refused.value.extra["occurrences"]
    assert [(o["index"], o["outcome"]) for o in check.occurrences] == [(2, "refused")]
    assert Session.objects.count() == before


def test_a_video_series_records_its_modality_and_books_every_occurrence_by_video(cal):
    from practice.choices import ConsentKind
    from tests.factories import consents_signed

    consents_signed(cal.people.patient, [ConsentKind.TELEHEALTH])
    series = weekly(cal, modality="video", occurrences=3)

    series.refresh_from_db()
    assert series.modality == "video" and series.room is None
    sessions = Session.objects.filter(booking__series=series)
    assert [s.modality for s in sessions] == ["video"] * 3
    assert weekly(cal, first_starts_at=local(2027, 2, 4, 10), occurrences=1).modality == "in_person"
