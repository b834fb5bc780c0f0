"""Reads of notes, scoped to who is asking, with their joins done once here."""

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from backend.roles import Actor, actor_for
from integration_notes.choices import NoteStatus
from integration_notes.models import (
    Addendum,
    IntegrationSummary,
    Note,
    NoteTemplate,
    PsychotherapyNote,
)
from practice.choices import SessionStatus
from practice.models import DosingRecord, SafetyAlert, Session
from practice.selectors import dose_history

SEARCH_CONFIG = "english"


def due_after() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.NOTES_DUE_AFTER_HOURS)


def note_due_at(session: Session) -> datetime.datetime:
    """When the session's progress note must be signed by."""
    return session.ends_at + due_after()


def note_list(
    *,
    user,
    search: str = "",
    status: str | None = None,
    patient_id: int | None = None,
    author_id: int | None = None,
) -> QuerySet[Note]:
    """Notes `user` may see (their care team's patients; a clinic admin: the clinic's;
    a patient: their own signed notes not withheld from them), with patient, session,
    template and people joined and the addenda counted."""
    addenda_counts = (
        Addendum.objects.filter(note=OuterRef("pk"))
        .order_by()
        .values("note")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        patient_readable(Note.objects.visible_to(user), user=user)
        .select_related(
            "patient", "session", "template", "author__user", "signed_by__user", "session__clinic"
        )
        # A correlated count, not a GROUP BY: a page of notes is then read in its index's
        # order and cut at the LIMIT before anything is counted.
        .annotate(addenda_count=Coalesce(Subquery(addenda_counts), 0))
        .order_by("-session__starts_at", "-id")
    )
    if status:
        qs = qs.filter(status=status)
    if patient_id:
        qs = qs.filter(patient_id=patient_id)
    if author_id:
        qs = qs.filter(author_id=author_id)
    return note_search(qs, search)


def patient_note_rows(*, user, patient_id: int) -> QuerySet[Note]:
    """`note_list` of one patient narrowed to what the patient page's panel shows: the
    session's day, the template's name, the status, the addenda count and the author."""
    return (
        note_list(user=user, patient_id=patient_id)
        .select_related(None)
        .select_related("session", "template", "author__user")
        .only(
            "status",
            "session__starts_at",
            "template__name",
            "author__credentials",
            "author__user__first_name",
            "author__user__last_name",
            "author__user__username",
        )
    )


def note_rows(**filters) -> QuerySet[Note]:
    """`note_list` for a list of notes (the notes page, the API's list): joined only with
    what a row shows, the patient, session, template and author. Kept under PostgreSQL's
    join_collapse_limit (8 relations), the planner orders the joins itself and walks the
    note index; with `note_list`'s joins and the care-team check it scanned every session
    instead (206 ms against 1.2 ms for a therapist's first page at 500,000 sessions)."""
    return (
        note_list(**filters)
        .select_related(None)
        .select_related("patient", "session", "template", "author__user")
    )


def patient_readable(qs: QuerySet[Note], *, user) -> QuerySet[Note]:
    """For a patient, only what the right of access gives them: signed notes a clinician
    has not withheld (never drafts). Staff are unaffected."""
    actor = actor_for(user)
    if actor is not None and actor.is_patient:
        return qs.filter(status=NoteStatus.SIGNED, withheld=False)
    return qs


def portal_notes(*, user) -> QuerySet[Note]:
    """A patient's own readable progress notes, newest first (none for anyone else)."""
    actor = actor_for(user)
    if actor is None or not actor.is_patient:
        return Note.objects.none()
    return note_list(user=user)


def note_search(qs: QuerySet[Note], text: str) -> QuerySet[Note]:
    """Full-text search on PostgreSQL (ranked, using the GIN index); on SQLite every word
    must appear somewhere in the note (icontains)."""
    text = (text or "").strip()
    if not text:
        return qs
    if connection.vendor == "postgresql":
        vector = SearchVector("search_text", config=SEARCH_CONFIG)
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        return (
            qs.annotate(rank=SearchRank(vector, query))
            .alias(document=vector)
            .filter(document=query)
            .order_by("-rank", "-created_at")
        )
    condition = Q()
    for word in text.split():
        condition &= Q(search_text__icontains=word)
    return qs.filter(condition)


def note_get_queryset(*, user) -> QuerySet[Note]:
    """Notes `user` may see, each with its addenda in signing order."""
    addenda = Addendum.objects.select_related("author__user").order_by("signed_at", "id")
    return note_list(user=user).prefetch_related(Prefetch("addenda", queryset=addenda))


def note_get(*, user, pk) -> Note:
    """One note `user` may see with its addenda in signing order, or Note.DoesNotExist."""
    return note_get_queryset(user=user).get(pk=pk)


def template_choices(*, clinic_id: int, session_kind: str | None = None) -> list[NoteTemplate]:
    """The clinic's current templates, those made for `session_kind` first."""
    templates = list(NoteTemplate.objects.for_clinic(clinic_id).filter(is_current=True))
    if session_kind:
        suited = [t for t in templates if session_kind in t.session_kinds]
        general = [t for t in templates if not t.session_kinds]
        return suited + general
    return templates


@dataclass
class AlongsideField:
    label: str
    value: object
    template_name: str
    session_starts_at: datetime.datetime
    note_id: int
    signed: bool


def alongside(note_or_template: Note | NoteTemplate, *, session: Session) -> list[AlongsideField]:
    """Fields of the patient's latest earlier notes a template asks to show while writing
    (the integration note shows the preparation note's intentions)."""
    template = note_or_template.template if isinstance(note_or_template, Note) else note_or_template
    wanted = template.show_alongside or []
    if not wanted:
        return []
    keys = {item["template"] for item in wanted}
    earlier = (
        Note.objects.filter(
            patient_id=session.patient_id,
            template__key__in=keys,
            session__starts_at__lt=session.starts_at,
        )
        .exclude(session_id=session.pk)
        .select_related("template", "session")
        .order_by("-session__starts_at")
    )
    latest: dict[str, Note] = {}
    for earlier_note in earlier:
        latest.setdefault(earlier_note.template.key, earlier_note)
    found = []
    for item in wanted:
        source = latest.get(item["template"])
        if source is None:
            continue
        spec = source.template.field(item["field"])
        if spec is None:
            continue
        found.append(
            AlongsideField(
                label=item.get("label") or spec["label"],
                value=source.content.get(item["field"]),
                template_name=source.template.name,
                session_starts_at=source.session.starts_at,
                note_id=source.pk,
                signed=source.is_signed,
            )
        )
    return found


@dataclass
class DosingAlongside:
    """The dose a note's session follows (or its own), summarised for the note's writer."""

    record: DosingRecord
    readings: int
    highest_bp: str
    heart_rate_range: str
    lowest_spo2: int | None
    out_of_range: int
    alerts: list[SafetyAlert]
    adverse_events: list


def dosing_alongside(*, session: Session) -> DosingAlongside | None:
    """The patient's latest dose given before `session` ended (its own, for a dosing
    session): dose, route, vitals summary, alerts and dissociation, shown beside the note
    as the preparation intentions are. None when the patient has had no dose yet. 4 queries.
    """
    record = dose_history(patient=session.patient, before=session.ends_at).first()
    if record is None:
        return None
    vitals = list(record.vitals.all())
    heart_rates = [v.heart_rate for v in vitals]
    if record.predose_heart_rate:
        heart_rates.append(record.predose_heart_rate)
    highest = max(vitals, key=lambda v: (v.systolic, v.diastolic), default=None)
    return DosingAlongside(
        record=record,
        readings=len(vitals),
        highest_bp=f"{highest.systolic}/{highest.diastolic}" if highest else "",
        heart_rate_range=(
            f"{min(heart_rates)}–{max(heart_rates)}"
            if len(set(heart_rates)) > 1
            else str(heart_rates[0])
            if heart_rates
            else ""
        ),
        lowest_spo2=min((v.spo2 for v in vitals), default=None),
        out_of_range=sum(1 for v in vitals if v.out_of_range),
        alerts=list(SafetyAlert.objects.filter(session_id=record.session_id).order_by("raised_at")),
        adverse_events=list(record.adverse_events.all()),
    )


def psychotherapy_note_list(*, user, patient_id: int | None = None) -> QuerySet[PsychotherapyNote]:
    qs = PsychotherapyNote.objects.visible_to(user).select_related("patient", "session")
    if patient_id:
        qs = qs.filter(patient_id=patient_id)
    return qs


def portal_summaries(*, user) -> QuerySet[IntegrationSummary]:
    """The summaries a patient has been given (shared ones only), newest first."""
    actor = actor_for(user)
    if actor is None or not actor.is_patient:
        return IntegrationSummary.objects.none()
    return (
        IntegrationSummary.objects.visible_to(user)
        .filter(shared_at__isnull=False)
        .select_related("session", "author__user")
    )


@dataclass
class Worklist:
    today: list = field(default_factory=list)
    drafts: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    tz: str = "UTC"


def worklist(*, user, now: datetime.datetime | None = None) -> Worklist:
    """A clinician's day: today's sessions (in the clinic's timezone) with their note,
    the drafts they have open and their sessions past due without a signed note. (The open
    safety alerts are Today's own list, once, most severe first: `alert_list`.)"""
    actor: Actor | None = actor_for(user)
    if actor is None or not actor.is_clinician:
        return Worklist()
    now = now or timezone.now()

    # The clinic's zone came with the actor: no query of the clinic.
    tz = zoneinfo.ZoneInfo(actor.timezone)
    local_day = now.astimezone(tz).date()
    day_start = datetime.datetime.combine(local_day, datetime.time.min, tzinfo=tz)
    day_end = day_start + datetime.timedelta(days=1)

    # Only the columns the worklist shows (Today builds it on every clinician's visit, and
    # each selected column costs compile time): when, kind, the patient's name, the note's
    # state, the template's name, and the session's end for the note's due time.
    patient_name = ("patient__legal_first_name", "patient__legal_last_name")
    shown = ("starts_at", "ends_at", "kind", *patient_name)
    signed_note = Note.objects.filter(session_id=OuterRef("pk"), status=NoteStatus.SIGNED)
    mine = Session.objects.visible_to(user).filter(clinician_id=actor.staff_id)
    today = list(
        mine.filter(starts_at__gte=day_start, starts_at__lt=day_end)
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("patient", "note")
        .only(*shown, "note__status")
        .order_by("starts_at")
    )
    overdue = list(
        mine.filter(ends_at__lte=now - due_after())
        .exclude(status__in=[SessionStatus.CANCELLED, SessionStatus.NO_SHOW])
        .filter(~Exists(signed_note))
        .select_related("patient")
        .only(*shown)
        .order_by("ends_at")[:50]
    )
    drafts = list(
        Note.objects.visible_to(user)
        .filter(author_id=actor.staff_id, status=NoteStatus.DRAFT)
        .select_related("patient", "session", "template")
        .only(*patient_name, "session__ends_at", "template__name")
        .order_by("session__starts_at")[:50]
    )
    for session in [*today, *overdue]:
        session.note_due_at = note_due_at(session)
    for note in drafts:
        note.due_at = note_due_at(note.session)
        note.is_overdue = note.due_at <= now
    return Worklist(today=today, drafts=drafts, overdue=overdue, tz=actor.timezone)
