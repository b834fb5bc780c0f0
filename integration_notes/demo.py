"""Demo notes: the clinic's templates (one revised to version 2), notes in every state
(signed, signed with an addendum, draft, overdue), patient summaries in the portal and a few
psychotherapy notes. Fictional people and words only.

Idempotent: once the demo clinic has notes, it only makes sure the templates exist.
"""

import datetime

from integration_notes import services
from integration_notes.models import Note, NoteTemplate
from practice import services as practice_services
from practice.models import Session

CIRCLE_FIELDS = [
    {"key": "attendance", "label": "Attendance and participation", "kind": "text"},
    {"key": "themes", "label": "Themes shared", "kind": "long_text", "required": True},
    {"key": "mood", "label": "Mood today (0–10)", "kind": "scale"},
    {"key": "follow_up", "label": "Follow-up needed", "kind": "yes_no"},
]


def _session(*, patient, clinician, kind, starts_at, minutes=50, status="completed"):
    """Find or create a demo session through practice's service when it has one."""
    ends_at = starts_at + datetime.timedelta(minutes=minutes)
    existing = Session.objects.filter(
        patient=patient, clinician=clinician, kind=kind, starts_at=starts_at
    ).first()
    if existing:
        return existing
    session = practice_services.session_create(
        patient=patient, clinician=clinician, kind=kind, starts_at=starts_at, ends_at=ends_at
    )
    if status != session.status:
        Session.objects.filter(pk=session.pk).update(
            status=status, completed_at=ends_at if status == "completed" else None
        )
        session.refresh_from_db()
    return session


def _latest_cycle(patient):
    """The patient's latest completed dose under a plan with the preparation before it and
    the integration after it (the clinical demo's KAP cycle), or None."""
    dosing = (
        Session.objects.filter(
            patient=patient, kind="dosing", status="completed", plan__isnull=False
        )
        .order_by("-starts_at")
        .first()
    )
    if dosing is None:
        return None
    completed = Session.objects.filter(patient=patient, plan=dosing.plan, status="completed")
    prep = (
        completed.filter(kind="preparation", starts_at__lt=dosing.starts_at)
        .order_by("-starts_at")
        .first()
    )
    integration = (
        completed.filter(kind="integration", starts_at__gt=dosing.starts_at)
        .order_by("starts_at")
        .first()
    )
    if prep is None or integration is None:
        return None
    return prep, dosing, integration


def _template(clinic, key):
    return NoteTemplate.objects.get(clinic=clinic, key=key, is_current=True)


def _write(session, key, content, *, sign=True):
    note = services.note_start(
        session=session,
        author=session.clinician,
        template=_template(session.clinic, key),
        content=content,
    )
    if sign:
        note = services.note_sign(note=note, signer=session.clinician)
    return note


def seed(ctx: dict) -> dict:
    clinic = ctx["clinic"]
    services.note_templates_install(clinic=clinic)
    if not NoteTemplate.objects.filter(clinic=clinic, key="circle-check-in").exists():
        circle = services.note_template_create(
            clinic=clinic,
            key="circle-check-in",
            name="Integration circle check-in",
            description="Short note for each attendee of a group integration circle.",
            session_kinds=["integration"],
            fields=CIRCLE_FIELDS[:2],
            position=40,
        )
        services.note_template_revise(template=circle, fields=CIRCLE_FIELDS)
    if Note.objects.filter(clinic=clinic).exists():
        return ctx

    staff, patients = ctx["staff"], ctx["patients"]
    avery, jordan = staff["therapist"], staff["therapist2"]
    ellie, marcus, ruth, hannah = (
        patients["eleanor"],
        patients["marcus"],
        patients["ruth"],
        patients["hannah"],
    )
    tz = clinic.zone
    today = clinic.today()

    def at(days_ago, hour, minute=0):
        day = today - datetime.timedelta(days=days_ago)
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)

    # Ellie: preparation → dosing → integration, signed, with an addendum and a summary: on
    # her latest KAP cycle when the clinical demo recorded one.
    cycle = _latest_cycle(ellie)
    if cycle:
        prep, dosing, integration = cycle
    else:
        prep = _session(patient=ellie, clinician=avery, kind="preparation", starts_at=at(12, 10))
        dosing = Session.objects.filter(patient=ellie, kind="dosing").order_by("starts_at").first()
        integration = _session(
            patient=ellie, clinician=avery, kind="integration", starts_at=at(9, 14)
        )
    _write(
        prep,
        "kap-preparation",
        {
            "goals": "Feel less braced all the time; sleep through the night.",
            "intentions": "Let the tightness in my chest speak instead of pushing it away.",
            "concerns": "Nausea; losing control in front of someone.",
            "set_and_setting": "Eye shades, the piano playlist, partner driving home.",
            "consent_reviewed": True,
        },
    )
    if dosing is not None and not Note.objects.filter(session=dosing).exists():
        _write(
            dosing,
            "kap-dosing",
            {
                "mental_state_before": "Anxious but settled after breathing together.",
                "support_during": "A hand on the shoulder once; quiet reassurance.",
                "emergence": "Tearful, oriented, said 'it was gentle'.",
                "after": "Discharged to partner; steady gait.",
            },
        )
    note = _write(
        integration,
        "kap-integration",
        {
            "experience": "“I was a small boat and the sea held me. Nobody needed anything.”",
            "insights": "Rest does not have to be earned.",
            "emotions": "Grief for her younger self, then relief.",
            "body": "Chest loosened; warmth in hands.",
            "practices": "Five minutes of breath each morning; journal the boat image.",
            "risk_level": "No current risk",
            "risk_notes": "Denies ideation; partner and sister supportive.",
            "next_plan": "Return to the boat image; review sleep diary.",
        },
    )
    services.addendum_add(
        note=note,
        author=avery,
        text="Patient emailed two days later: sleeping through most nights.",
    )
    services.summary_save(
        session=integration,
        author=avery,
        practices="Five minutes of slow breathing every morning.\nWrite down the boat image.",
        reminders="“Rest does not have to be earned.”",
        share=True,
    )
    services.psychotherapy_note_create(
        author=avery,
        patient=ellie,
        session=integration,
        body="Noticed my own urge to rescue when she cried; stayed with it; supervision.",
    )
    # Ellie's next integration session is today (on the worklist, no note yet).
    _session(
        patient=ellie, clinician=avery, kind="integration", starts_at=at(0, 15), status="scheduled"
    )

    # Marcus: a preparation long past due without a note, and an overdue draft (his last
    # induction cycle when the clinical demo recorded one).
    cycle = _latest_cycle(marcus)
    if cycle:
        late = cycle[2]
    else:
        _session(patient=marcus, clinician=avery, kind="preparation", starts_at=at(6, 9))
        late = _session(patient=marcus, clinician=avery, kind="integration", starts_at=at(4, 11))
    _write(
        late,
        "kap-integration",
        {"experience": "Describes a long corridor with doors; did not open any yet."},
        sign=False,
    )
    services.psychotherapy_note_create(
        author=avery,
        patient=marcus,
        body="His humour deflects whenever his brother comes up. Hypothesis: grief not yet named.",
    )

    # Ruth: yesterday's integration, a draft not yet due, with a summary not yet shared.
    recent = _session(patient=ruth, clinician=avery, kind="integration", starts_at=at(1, 13))
    _write(
        recent,
        "kap-integration",
        {
            "experience": "Felt held by a circle of older women.",
            "practices": "Call her sister on Sundays.",
        },
        sign=False,
    )
    services.summary_save(
        session=recent,
        author=avery,
        practices="Call your sister on Sundays.",
        reminders="",
        share=False,
    )

    # Hannah (Jordan): a signed SOAP note and Jordan's own private note.
    soap = _session(patient=hannah, clinician=jordan, kind="integration", starts_at=at(3, 16))
    _write(
        soap,
        "soap",
        {
            "subjective": "Reports fewer panic episodes (2 this week, 5 last).",
            "objective": "Calm affect, good eye contact; GAD-7 down from 15 to 11.",
            "assessment": "Responding to treatment; integration practices in use.",
            "plan": "Continue weekly integration; consider maintenance dose in a month.",
        },
    )
    services.psychotherapy_note_create(
        author=jordan,
        patient=hannah,
        session=soap,
        body="Her precision about numbers may be a way of keeping feelings at arm's length.",
    )
    return ctx
