"""Enrollment with an ordered waitlist.

Enrollment and cancellation lock the retreat row, so places are counted and handed out one
at a time: the (capacity+1)-th patient is waitlisted, and a cancelled place goes to the first
waitlisted patient, who is notified.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from practice.choices import SessionStatus
from practice.models import Patient, StaffMember
from scheduling.choices import EnrollmentStatus
from scheduling.errors import InvalidInput, NotCleared, PatientBusy, WrongState
from scheduling.models import Enrollment, Retreat, RetreatSession
from scheduling.services.booking import session_cancel


def _screening_covers(patient: Patient, retreat: Retreat) -> bool:
    """The patient's newest screening clears them from the first day through the last day
    of the retreat (a newer one that found a contraindication closes it)."""
    from practice.selectors import screening_current, screening_problem

    screening = screening_current(patient=patient, on=retreat.starts_on)
    return (
        screening_problem(screening, retreat.starts_on) is None
        and screening.expires_on >= retreat.ends_on
    )


def _notify_promoted(enrollment: Enrollment) -> None:
    """Tell a patient their waitlisted place became a place (through the patient outbox)."""
    from messaging.services import outbox

    starts_on = enrollment.retreat.starts_on
    outbox.message_enqueue(
        patient=enrollment.patient,
        kind="waitlist_promotion",
        target_type="enrollment",
        target_id=enrollment.pk,
        context={
            "offer_name": enrollment.retreat.name,
            "offer_date": f"{starts_on:%A, %B} {starts_on.day}",
        },
    )


def _sync_welcome(enrollment: Enrollment) -> None:
    """Keep the retreat welcome message in step with the enrollment: sent a week before to
    enrolled patients, withdrawn otherwise (the reminders service reads what it needs)."""
    from scheduling.services.reminders import enrollment_reminders_sync

    enrollment_reminders_sync(enrollment=enrollment)


@transaction.atomic
def enrollment_create(
    *, retreat: Retreat, patient: Patient, by: StaffMember | None = None
) -> Enrollment:
    """Enroll a patient, or put them on the waitlist when the retreat is full.

    Locks the retreat row. Refuses (NotCleared) a patient without a cleared screening that
    covers the retreat's dates, (WrongState) one already enrolled or waitlisted, and
    (PatientBusy) a place to a patient whose own sessions overlap the retreat's programme.
    Once the timetable is generated, an enrolled patient is seated in it in the same
    transaction; a slot that cannot be seated refuses the enrolment (TimetableImpossible).
    """
    retreat = Retreat.objects.select_for_update().get(pk=retreat.pk)
    if patient.clinic_id != retreat.clinic_id:
        raise InvalidInput("That patient belongs to another clinic.")
    current = Enrollment.objects.filter(retreat=retreat, patient=patient).exclude(
        status=EnrollmentStatus.CANCELLED
    )
    if current.exists():
        raise WrongState(
            f"{patient.full_name} is already {current.get().get_status_display().lower()} "
            f"for {retreat.name}."
        )
    if not _screening_covers(patient, retreat):
        raise NotCleared(
            f"{patient.full_name} has no cleared screening valid from {retreat.starts_on:%b %d} "
            f"to {retreat.ends_on:%b %d, %Y}; only cleared patients can join a retreat."
        )
    enrolled = Enrollment.objects.filter(retreat=retreat, status=EnrollmentStatus.ENROLLED)
    enrollment = Enrollment(clinic_id=retreat.clinic_id, retreat=retreat, patient=patient)
    if enrolled.count() < retreat.capacity:
        enrollment.status = EnrollmentStatus.ENROLLED
    else:
        last = Enrollment.objects.filter(
            retreat=retreat, status=EnrollmentStatus.WAITLISTED
        ).aggregate(Max("position"))["position__max"]
        enrollment.status = EnrollmentStatus.WAITLISTED
        enrollment.position = (last or 0) + 1
    if enrollment.status == EnrollmentStatus.ENROLLED:
        _refuse_clashes(retreat, patient)
    enrollment.full_clean()
    enrollment.save()
    enrollment.retreat = retreat
    if enrollment.status == EnrollmentStatus.ENROLLED:
        from scheduling.services.retreats.timetable import timetable_seat

        timetable_seat(retreat=retreat, enrollment=enrollment, by=by, strict=True)
    _sync_welcome(enrollment)
    return enrollment


def _refuse_clashes(retreat: Retreat, patient: Patient) -> None:
    """A clinic never double-books a patient: refuse (PatientBusy) a place to a patient whose
    own sessions overlap the retreat's programme, naming each one."""
    from scheduling.services.retreats.timetable import patient_clashes, session_described

    clashes = patient_clashes(retreat=retreat, patient_id=patient.pk)
    sessions = list({s.pk: s for hits in clashes.values() for s in hits}.values())
    if sessions:
        named = "; ".join(session_described(s, retreat.clinic) for s in sessions)
        raise PatientBusy(
            f"{patient.full_name} already has sessions during {retreat.name}: {named}. "
            "Cancel or move them first, then enroll again.",
            extra={"sessions": [s.pk for s in sessions]},
        )


def _close_waitlist_gap(retreat: Retreat, position: int) -> None:
    # Ascending, one row at a time, so the unique (retreat, position) never sees a clash.
    for row in Enrollment.objects.filter(
        retreat=retreat, status=EnrollmentStatus.WAITLISTED, position__gt=position
    ).order_by("position"):
        row.position -= 1
        row.save(update_fields=["position"])


@transaction.atomic
def enrollment_cancel(
    *, enrollment: Enrollment, by: StaffMember | None = None, reason: str = ""
) -> Enrollment | None:
    """Cancel an enrollment or a waitlisted place.

    Locks the retreat. The patient's timetable sessions are cancelled and they leave its
    groups. A freed place goes at once to the first waitlisted patient (who is notified and
    seated in the generated timetable in the same transaction; slots their own sessions
    clash with are skipped and listed in the returned enrollment's `unseated`); returns
    that promoted enrollment, or None.
    """
    retreat = Retreat.objects.select_for_update().get(pk=enrollment.retreat_id)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status == EnrollmentStatus.CANCELLED:
        raise WrongState("This enrollment is already cancelled.")
    was = enrollment.status
    old_position = enrollment.position
    enrollment.status = EnrollmentStatus.CANCELLED
    enrollment.position = None
    enrollment.cancelled_at = timezone.now()
    enrollment.save(update_fields=["status", "position", "cancelled_at"])
    for entry in RetreatSession.objects.filter(enrollment=enrollment).select_related("session"):
        if entry.session.status == SessionStatus.SCHEDULED:
            session_cancel(
                session=entry.session, reason=reason or "Retreat enrollment cancelled", by=by
            )
    enrollment.retreat = retreat
    _sync_welcome(enrollment)
    if was == EnrollmentStatus.WAITLISTED:
        _close_waitlist_gap(retreat, old_position)
        return None
    return _promote_first(retreat, by)


def _promote_first(retreat: Retreat, by: StaffMember | None = None) -> Enrollment | None:
    """Give a free place to the first waitlisted patient (who is notified); the caller holds
    the retreat's lock. Returns that enrollment, or None when nobody is waiting."""
    first = (
        Enrollment.objects.select_for_update()
        .filter(retreat=retreat, status=EnrollmentStatus.WAITLISTED)
        .order_by("position")
        .first()
    )
    if first is None:
        return None
    first.status = EnrollmentStatus.ENROLLED
    first.position = None
    first.promoted_at = timezone.now()
    first.save(update_fields=["status", "position", "promoted_at"])
    _close_waitlist_gap(retreat, 1)
    first.retreat = retreat
    from scheduling.services.retreats.timetable import timetable_seat

    # Automatic, so never refused: a slot the patient's own session clashes with is left
    # out and shown on the retreat page as a gap to resolve.
    first.unseated = timetable_seat(retreat=retreat, enrollment=first, by=by, strict=False)
    _notify_promoted(first)
    _sync_welcome(first)
    return first
