import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine

from billing.services.catalogue import service_codes_seed
from billing.services.charges import charge_approve, charges_suggest_for_session
from billing.services.payments import payment_record
from billing.services.superbills import superbill_issue
from integration_notes import services as notes
from messaging.models import PatientMessaging, Reminder
from messaging.services.threads import thread_reply, thread_start
from practice.models import AdverseEvent
from tests.factories import (
    INTEGRATION_CONTENT,
    MeasureResponseFactory,
    TreatmentPlanFactory,
    VitalSignsFactory,
    completed_session,
    dose_from_stock,
    note_template,
    signed_note,
)

DENVER = zoneinfo.ZoneInfo("America/Denver")
PSYCHOTHERAPY_SENTINEL = "PSYCHOTHERAPY-SENTINEL-7f3a"
WITHHELD_SENTINEL = "WITHHELD-CONTENT-91c2"
DRAFT_SENTINEL = "DRAFT-CONTENT-55e0"
OTHER_SENTINEL = "OTHER-PATIENT-3b8d"
WITHHELD_REASON = "Reasonably likely to endanger the life of another person (164.524(a)(3)(i))."


@pytest.fixture(autouse=True)
def _november():
    with time_machine.travel(datetime.datetime(2026, 11, 20, 19, 0, tzinfo=datetime.UTC)):
        yield


def at(day: int, month: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, month, day, 10, 0, tzinfo=DENVER)


def dosing_session(people, day: int, month: int = 10):
    """A completed dosing session with its dose, two vital-sign rows and an adverse event."""
    session = completed_session(
        patient=people.patient,
        clinician=people.medical,
        starts_at=at(day, month),
        minutes=120,
        kind="dosing",
    )
    dosing = dose_from_stock(
        session,
        by=people.medical,
        administered_at=at(day, month) + datetime.timedelta(minutes=10),
        weight_kg=Decimal("70.0"),
        predose_systolic=124,
        predose_diastolic=80,
    )
    for minutes, systolic in ((15, 131), (45, 127)):
        VitalSignsFactory(
            dosing_record=dosing,
            taken_at=at(day, month) + datetime.timedelta(minutes=minutes),
            systolic=systolic,
            diastolic=84,
            heart_rate=81,
            spo2=97,
        )
    AdverseEvent.objects.create(
        dosing_record=dosing,
        kind="nausea",
        description="Mild nausea after the dose",
        severity="mild",
        action_taken="Ondansetron 4 mg",
        occurred_at=at(day, month) + datetime.timedelta(minutes=30),
        recorded_by=people.medical,
    )
    return session


@pytest.fixture
def record(people):
    """Erin's record in October: a plan, two integration sessions with signed notes (the
    second withheld from her), a dosing session with vitals and an adverse event, a draft
    note, a psychotherapy note, a GAD-7, approved charges, a payment, a superbill, a sent
    message and her text-message consent. Frank has a note of his own."""
    service_codes_seed(clinic=people.clinic)
    TreatmentPlanFactory(patient=people.patient, goals="Fewer panic attacks at work.")
    first = completed_session(
        patient=people.patient, clinician=people.therapist, starts_at=at(5), minutes=55
    )
    second = completed_session(
        patient=people.patient, clinician=people.therapist, starts_at=at(12), minutes=55
    )
    dosing = dosing_session(people, 19)
    later = completed_session(
        patient=people.patient, clinician=people.therapist, starts_at=at(26), minutes=55
    )
    readable = signed_note(first)
    withheld = signed_note(second, content={**INTEGRATION_CONTENT, "insights": WITHHELD_SENTINEL})
    notes.note_withhold(note=withheld, staff=people.therapist, reason=WITHHELD_REASON)
    notes.note_start(
        session=later,
        author=people.therapist,
        template=note_template(people.clinic),
        content={"experience": DRAFT_SENTINEL},
    )
    notes.psychotherapy_note_create(
        author=people.therapist, patient=people.patient, session=first, body=PSYCHOTHERAPY_SENTINEL
    )
    MeasureResponseFactory(patient=people.patient, answered_at=at(4), answers=[2] * 7)
    charges = []
    for session in (first, second, dosing):
        charges += [
            charge_approve(charge=c, approved_by=people.admin)
            for c in charges_suggest_for_session(session=session)
        ]
    payment_record(
        patient=people.patient,
        method="card",
        amount=Decimal("250.00"),
        received_on=datetime.date(2026, 10, 12),
    )
    superbill = superbill_issue(
        patient=people.patient,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
        issued_by=people.admin,
        notify=False,
    )
    Reminder.objects.create(
        clinic=people.clinic,
        patient=people.patient,
        kind="session_48h",
        channel="email",
        target_type="session",
        target_id=str(first.pk),
        session=first,
        send_at=at(3),
        status="sent",
        sent_at=at(3),
        subject="Your session on October 5",
        body_text="See you on Monday at 10:00. Reply to this email to reschedule.",
        recipient=people.patient.email or "erin@example.com",
    )
    PatientMessaging.objects.create(patient=people.patient, sms_consent_at=at(1))
    with time_machine.travel(at(8), tick=False):
        thread = thread_start(
            author=people.patient.user,
            patient=people.patient,
            subject="Sleep after dosing",
            body="I slept badly after the session.",
        )
        thread_reply(
            author=people.therapist.user, thread=thread, body="Common the first night; call us."
        )
        thread_start(
            author=people.other_patient.user,
            patient=people.other_patient,
            subject="Frank's question",
            body=OTHER_SENTINEL,
        )
    other = completed_session(
        patient=people.other_patient, clinician=people.outsider, starts_at=at(6), minutes=55
    )
    signed_note(other, content={**INTEGRATION_CONTENT, "insights": OTHER_SENTINEL})
    return {
        "readable": readable,
        "withheld": withheld,
        "charges": charges,
        "superbill": superbill,
        "sessions": [first, second, dosing, later],
    }
