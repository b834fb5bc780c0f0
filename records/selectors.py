"""The designated record set of one patient, read through each app's own selectors.

What is in it (README, "Right of access"): demographics and diagnoses, treatment plans,
sessions with their dosing records, vital signs and adverse events, questionnaire scores,
signed progress notes with their addenda (never drafts, never psychotherapy notes, never a
note withheld from the patient), approved charges, payments, superbills, the messages sent
to the patient and their text-message consent, and the secure messages between the patient
and their care team.

Whoever asks, the same record comes out: the patient downloading their own and the clinic
admin answering a records request get the same sections with the same rows. The admin's
copy adds one thing, the list of notes withheld from the patient (date, who, why: what a
written denial under 164.524(d)(2) must state), never their content.

The number of queries does not grow with the record: every section is one query (plus a
fixed number of prefetches), whatever the number of sessions, notes or payments.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from backend.roles import actor_for
from billing.choices import ChargeStatus
from billing.selectors import charge_list, payment_list, superbill_list
from integration_notes.choices import NoteStatus
from integration_notes.models import Addendum
from integration_notes.selectors import note_list
from messaging.choices import ReminderStatus
from messaging.selectors import (
    patient_messaging_get,
    reminder_list,
    thread_messages_of_patient,
)
from practice.models import AdverseEvent, Clinic, Patient, VitalSigns
from practice.selectors import measure_list, patient_get, plan_list, session_list


@dataclass
class DesignatedRecord:
    """Everything the patient has a right to, as read for one request."""

    patient: Patient
    clinic: Clinic
    produced_at: datetime.datetime
    for_clinic: bool
    diagnoses: list = field(default_factory=list)
    care_team: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    measures: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    withheld_notes: list = field(default_factory=list)
    charges: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    superbills: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    messaging: object = None
    secure_messages: list = field(default_factory=list)

    @property
    def dosing_records(self) -> list:
        return [s.dosing for s in self.sessions if _dosing_of(s) is not None]


def _dosing_of(session):
    try:
        return session.dosing
    except session.__class__.dosing.RelatedObjectDoesNotExist:
        return None


def record_get(*, user, patient_id) -> DesignatedRecord:
    """The designated record set of the patient `patient_id`, read as `user` may see it.

    Raises Patient.DoesNotExist (answered as 404) when `user` may not see the patient:
    another patient, another clinic, a therapist off the care team.
    """
    patient = patient_get(user=user, pk=patient_id)
    actor = actor_for(user)
    vitals = VitalSigns.objects.order_by("taken_at", "id")
    events = AdverseEvent.objects.order_by("occurred_at", "id")
    sessions = (
        session_list(user=user)
        .filter(patient_id=patient.pk)
        .select_related("dosing__administered_by__user")
        .prefetch_related(
            Prefetch("dosing__vitals", queryset=vitals),
            Prefetch("dosing__adverse_events", queryset=events),
        )
        .order_by("starts_at", "id")
    )
    addenda = Addendum.objects.select_related("author__user").order_by("signed_at", "id")
    notes = note_list(user=user, patient_id=patient.pk).filter(status=NoteStatus.SIGNED)
    readable = (
        notes.filter(withheld=False)
        .prefetch_related(Prefetch("addenda", queryset=addenda))
        .order_by("session__starts_at", "id")
    )
    for_clinic = actor is not None and actor.is_admin
    return DesignatedRecord(
        patient=patient,
        clinic=patient.clinic,
        produced_at=timezone.now(),
        for_clinic=for_clinic,
        diagnoses=list(patient.diagnoses.all()),
        care_team=list(patient.care_team.all()),
        plans=list(plan_list(user=user).filter(patient_id=patient.pk).order_by("created_at")),
        sessions=list(sessions),
        measures=list(
            measure_list(user=user).filter(patient_id=patient.pk).order_by("answered_at", "id")
        ),
        notes=list(readable),
        withheld_notes=(
            list(notes.filter(withheld=True).select_related("withheld_by__user"))
            if for_clinic
            else []
        ),
        charges=list(
            charge_list(user=user)
            .filter(patient_id=patient.pk, status=ChargeStatus.APPROVED)
            .order_by("date_of_service", "id")
        ),
        payments=list(
            payment_list(user=user).filter(patient_id=patient.pk).order_by("received_on", "id")
        ),
        superbills=list(
            superbill_list(user=user).filter(patient_id=patient.pk).order_by("issued_at", "id")
        ),
        messages=list(
            reminder_list(user=user)
            .filter(patient_id=patient.pk, status=ReminderStatus.SENT)
            .order_by("sent_at", "id")
        ),
        messaging=patient_messaging_get(patient=patient),
        secure_messages=list(thread_messages_of_patient(user=user, patient_id=patient.pk)),
    )
