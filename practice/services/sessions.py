"""KAP sessions: creation with its clinical rules, and the lifecycle transitions.

scheduled → checked in → completed, or scheduled → no-show. Cancelling and rescheduling
belong to scheduling (`scheduling.services`), which also owns rooms and conflicts: its
`session_book` calls `session_create` inside its own transaction after its checks.
"""

import datetime
import uuid

from django.db import transaction
from django.utils import timezone

from practice.choices import (
    DOSING_CONSENT_KINDS,
    TELEHEALTH_CONSENT_KINDS,
    SessionKind,
    SessionModality,
    SessionStatus,
)
from practice.errors import ConsentMissing, DosingOnHold, SessionRefused, SessionTransitionRefused
from practice.models import Patient, Session, StaffMember, TreatmentPlan
from practice.selectors import (
    consent_gate,
    consent_hold_reasons,
    risk_hold_reasons,
    screening_current,
    screening_problem,
)
from practice.services._common import require_clinician, require_same_clinic
from practice.video import new_room_name


# No transaction of its own: it only reads (a savepoint inside every booking's was two
# queries for nothing).
def session_rules_check(
    *,
    patient: Patient,
    clinician: StaffMember,
    kind: str,
    starts_at: datetime.datetime,
    plan: TreatmentPlan | None = None,
    modality: str = SessionModality.IN_PERSON,
) -> None:
    """The clinical rules of a session at `starts_at`, for booking it or moving it there.

    A video session is preparation or integration, never a dose (SessionRefused), and
    needs the patient's current signed telehealth consent (ConsentMissing, as below).

    The clinician is an active clinician of the patient's clinic; a plan, if given, is the
    patient's; a dosing session needs a running plan (active or maintenance) and the
    patient's newest screening clearing them on the session's date (clinic time): an older
    cleared screening does not count once a newer one found a contraindication or awaits
    sign-off; and the patient's current signed KAP informed consent and controlled-substance
    agreement (ConsentMissing, 409 `consent_missing`, reasons `["consent"]`). Raises
    SessionRefused, NotInClinic or RoleNotAllowed.
    """
    require_same_clinic(clinician, patient)
    require_clinician(clinician, "lead a session")
    if kind not in SessionKind.values:
        raise SessionRefused(f"Unknown session kind {kind!r}.")
    if plan is not None and plan.patient_id != patient.pk:
        raise SessionRefused("That treatment plan belongs to another patient.")
    if modality not in SessionModality.values:
        raise SessionRefused(f"Unknown session modality {modality!r}.")
    if modality == SessionModality.VIDEO:
        if kind == SessionKind.DOSING:
            raise SessionRefused(
                "A dosing session is never by video: book it in person in a dosing room."
            )
        require_consents(
            patient=patient,
            kinds=TELEHEALTH_CONSENT_KINDS,
            doing="a video session",
        )
    if kind == SessionKind.DOSING:
        if plan is None:
            raise SessionRefused("A dosing session needs the patient's active treatment plan.")
        if not plan.is_running:
            raise SessionRefused(
                f"The plan is {plan.get_status_display().lower()}; dosing needs an active plan."
            )
        day = patient.clinic.date_of(starts_at)
        problem = dosing_screening_problem(patient=patient, on=day)
        if problem:
            raise SessionRefused(problem + " before booking a dose.")
        require_dosing_consents(patient=patient, doing="booking a dose")


def require_dosing_consents(*, patient: Patient, doing: str) -> None:
    """Refuse (ConsentMissing, the gate's shape: `reasons`, `missing`, `fields`) unless the
    patient has signed a current KAP informed consent and controlled-substance agreement."""
    require_consents(patient=patient, kinds=DOSING_CONSENT_KINDS, doing=doing)


def require_consents(*, patient: Patient, kinds, doing: str) -> None:
    """Refuse (ConsentMissing, the gate's shape) unless the patient has signed a current
    consent of every kind in `kinds`."""
    gate = consent_gate(patient=patient, kinds=kinds)
    reasons = consent_hold_reasons(patient=patient, kinds=kinds, gate=gate)
    if reasons:
        raise ConsentMissing(
            " ".join(message for _, message in reasons) + f" The patient signs before {doing}.",
            extra={
                "reasons": [code for code, _ in reasons],
                "missing": gate.missing,
                "fields": {},
            },
        )


def dosing_screening_problem(*, patient: Patient, on: datetime.date) -> str | None:
    """Why the patient's newest screening does not clear them for a dose on day `on`, as
    the start of a refusal (booking, rescheduling and check-in add what to do); None when
    it clears them. The dosing gate asks the same question (`screening_problem`)."""
    problem = screening_problem(screening_current(patient=patient, on=on), on)
    if problem is None:
        return None
    return (
        f"The patient has no cleared screening valid on {on:%b %-d, %Y}: {problem}. "
        "Screen (or renew or sign off the screening)"
    )


def session_create(
    *,
    patient: Patient,
    clinician: StaffMember,
    kind: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    plan: TreatmentPlan | None = None,
    room=None,
    booking_key: uuid.UUID | None = None,
    modality: str = SessionModality.IN_PERSON,
) -> Session:
    """Insert a session after its clinical rules; no locks, no room or calendar checks.

    A video session gets its unguessable room name (`practice.video`) and no clinic room.

    Raises SessionRefused, NotInClinic, RoleNotAllowed (see `session_rules_check`) or
    ValidationError; saves nothing when it refuses.
    """
    session_rules_check(
        patient=patient,
        clinician=clinician,
        kind=kind,
        starts_at=starts_at,
        plan=plan,
        modality=modality,
    )
    video = modality == SessionModality.VIDEO
    session = Session(
        clinic_id=patient.clinic_id,
        patient=patient,
        clinician=clinician,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        plan=plan,
        room=None if video else room,
        modality=modality,
        video_room=new_room_name() if video else None,
    )
    if booking_key is not None:
        session.booking_key = booking_key
    # The patient and clinician are the rows the rules above were checked against (the
    # clinic is the patient's): checking again that they exist would be three reads for
    # nothing, and the database's foreign keys still hold.
    session.full_clean(exclude=["clinic", "patient", "clinician"])
    session.save()
    return session


def _lock(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("clinic", "patient")
        .get(pk=session.pk)
    )


@transaction.atomic
def session_check_in(*, session: Session, at: datetime.datetime | None = None) -> Session:
    """The patient has arrived: scheduled → checked in, from the session's day on.

    A dosing session needs the patient's newest screening to clear them on the day
    (`dosing_screening_problem`; SessionTransitionRefused), and is not checked in while
    suicide risk holds dosing (DosingOnHold, 409, listing the reasons; see
    `risk_hold_reasons`). Locks the session row. Raises SessionTransitionRefused.
    """
    at = at or timezone.now()
    session = _lock(session)
    if session.status != SessionStatus.SCHEDULED:
        raise SessionTransitionRefused(
            f"Only a scheduled session can be checked in; this one is "
            f"{session.get_status_display().lower()}."
        )
    if session.clinic.date_of(at) < session.clinic.date_of(session.starts_at):
        raise SessionTransitionRefused("A session can be checked in on its day, not before.")
    if session.kind == SessionKind.DOSING:
        # Booked while cleared is not enough: a screening since then may have closed the gate.
        problem = dosing_screening_problem(patient=session.patient, on=session.clinic.date_of(at))
        if problem:
            raise SessionTransitionRefused(problem + " before checking the patient in for a dose.")
        require_dosing_consents(patient=session.patient, doing="checking in for a dose")
        hold = risk_hold_reasons(patient=session.patient)
        if hold:
            raise DosingOnHold(
                "Dosing is on hold: " + " ".join(message for _, message in hold),
                extra={"reasons": [code for code, _ in hold]},
            )
    session.status = SessionStatus.CHECKED_IN
    session.checked_in_at = at
    session.save(update_fields=["status", "checked_in_at", "updated_at"])
    return session


@transaction.atomic
def session_complete(*, session: Session, at: datetime.datetime | None = None) -> Session:
    """The session took place: checked in → completed.

    A dosing session needs its dosing record, discharged with the checklist complete.
    Locks the session row. Raises SessionTransitionRefused.
    """
    at = at or timezone.now()
    session = _lock(session)
    if session.status != SessionStatus.CHECKED_IN:
        raise SessionTransitionRefused(
            f"Only a checked-in session can be completed; this one is "
            f"{session.get_status_display().lower()}."
        )
    if session.kind == SessionKind.DOSING:
        record = getattr(session, "dosing", None)
        if record is None:
            raise SessionTransitionRefused(
                "Record the dose before completing a dosing session; if no dose was given, "
                "cancel the session with the reason."
            )
        if not record.discharge_complete:
            raise SessionTransitionRefused(
                "Complete the discharge checklist (vitals near baseline, alert and oriented, "
                "escort present) before completing a dosing session."
            )
    session.status = SessionStatus.COMPLETED
    session.completed_at = at
    session.save(update_fields=["status", "completed_at", "updated_at"])
    return session


@transaction.atomic
def session_mark_no_show(*, session: Session, at: datetime.datetime | None = None) -> Session:
    """The patient did not come: scheduled → no-show, once the start time has passed."""
    at = at or timezone.now()
    session = _lock(session)
    if session.status != SessionStatus.SCHEDULED:
        raise SessionTransitionRefused(
            f"Only a scheduled session can be marked a no-show; this one is "
            f"{session.get_status_display().lower()}."
        )
    if at < session.starts_at:
        raise SessionTransitionRefused("A session can be marked a no-show only after it starts.")
    session.status = SessionStatus.NO_SHOW
    session.save(update_fields=["status", "updated_at"])
    return session
