"""Reads of the clinical record: settings, screenings, plans, sessions, doses, alerts."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from backend.audit import audit_access
from backend.roles import actor_for
from practice.choices import (
    AlertSeverity,
    ContraindicationSeverity,
    PlanStatus,
    ScreeningResult,
    SessionKind,
    SessionModality,
    SessionStatus,
)
from practice.models import (
    AdverseEvent,
    Clinic,
    ClinicalSettings,
    Contraindication,
    DosingRecord,
    Patient,
    SafetyAlert,
    Screening,
    Session,
    TreatmentPlan,
    VitalSigns,
)


def clinical_settings_for(clinic: Clinic | int) -> ClinicalSettings:
    """The clinic's clinical settings; the defaults (unsaved) if the clinic never changed them."""
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    found = ClinicalSettings.objects.filter(clinic_id=clinic_id).first()
    return found or ClinicalSettings(clinic_id=clinic_id)


def contraindication_list(*, clinic) -> QuerySet[Contraindication]:
    return Contraindication.objects.for_clinic(clinic).filter(is_active=True)


def screening_list(*, user) -> QuerySet[Screening]:
    return (
        Screening.objects.visible_to(user)
        .select_related("patient", "screened_by__user", "signed_off_by__user")
        .prefetch_related("findings")
    )


def screening_current(*, patient: Patient, on: datetime.date) -> Screening | None:
    """The newest screening of `patient` taken on or before day `on`, whatever its result.

    The newest screening speaks for the patient: a later one that found a contraindication
    (or needs review) closes the gate even while an older cleared one is unexpired, until
    a newer screening clears. Whether it allows dosing on `on` is `screening_problem`.
    """
    return (
        Screening.objects.filter(patient=patient, screened_on__lte=on)
        .order_by("-screened_on", "-id")
        .first()
    )


def screening_problem(screening: Screening | None, on: datetime.date) -> str | None:
    """Why `screening` (the patient's newest, see `screening_current`) does not clear them
    for a dose on day `on`, in words for the refusal; None when it does."""
    if screening is None:
        return "the patient has not been screened"
    taken = f"{screening.screened_on:%b %-d, %Y}"
    if screening.result == ScreeningResult.NOT_CLEARED:
        found = [
            f.name
            for f in screening.findings.all()
            if f.severity == ContraindicationSeverity.ABSOLUTE
        ]
        what = f" ({', '.join(found)})" if found else ""
        return (
            f"the newest screening ({taken}) found an absolute contraindication{what}; "
            "only a newer screening that clears can reopen dosing"
        )
    if screening.result == ScreeningResult.NEEDS_REVIEW:
        return f"the newest screening ({taken}) needs a medical sign-off"
    if on > screening.expires_on:
        return f"the newest screening ({taken}) expired on {screening.expires_on:%b %-d, %Y}"
    return None


def _with_dose_counts(plans: QuerySet[TreatmentPlan]) -> QuerySet[TreatmentPlan]:
    """`plans` with `doses_given` and `induction_doses` (those before maintenance) counted."""
    return plans.annotate(
        doses_given=Count("sessions__dosing", filter=~Q(sessions__status=SessionStatus.CANCELLED)),
        induction_doses=Count(
            "sessions__dosing",
            filter=~Q(sessions__status=SessionStatus.CANCELLED)
            & (
                Q(maintenance_started_at__isnull=True)
                | Q(sessions__dosing__administered_at__lt=F("maintenance_started_at"))
            ),
        ),
    )


def plan_list(*, user) -> QuerySet[TreatmentPlan]:
    return _with_dose_counts(
        TreatmentPlan.objects.visible_to(user)
        .select_related("patient", "created_by__user", "screening")
        .prefetch_related("diagnoses", "target_changes")
    )


def patient_plan_rows(*, patient: Patient) -> QuerySet[TreatmentPlan]:
    """The plans of `patient` (one the caller may see) as the patient page lists them,
    newest first, doses counted: no joins, no prefetches (1 query)."""
    return _with_dose_counts(patient.plans.all())


def plan_get(*, user, pk) -> TreatmentPlan:
    return plan_list(user=user).get(pk=pk)


def plan_running_for(*, patient: Patient) -> TreatmentPlan | None:
    """The patient's plan under which doses may be given now, if any."""
    return (
        TreatmentPlan.objects.filter(
            patient=patient, status__in=[PlanStatus.ACTIVE, PlanStatus.MAINTENANCE]
        )
        .order_by("-activated_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class PlanProgress:
    induction_doses: int
    maintenance_doses: int
    target: int
    suggest_maintenance: bool
    next_maintenance_due: datetime.datetime | None

    @property
    def label(self) -> str:
        return f"{self.induction_doses} of {self.target} induction doses"

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.induction_doses / self.target)) if self.target else 0


def plan_progress(plan: TreatmentPlan) -> PlanProgress:
    """Doses given under `plan`, split by phase; whether to suggest moving to maintenance."""
    times = list(
        DosingRecord.objects.filter(session__plan=plan)
        .exclude(session__status=SessionStatus.CANCELLED)
        .order_by("administered_at")
        .values_list("administered_at", flat=True)
    )
    switch = plan.maintenance_started_at
    induction = [t for t in times if switch is None or (t and t < switch)]
    maintenance = [t for t in times if switch is not None and t and t >= switch]
    next_due = None
    if plan.status == PlanStatus.MAINTENANCE:
        last = max([t for t in times if t], default=switch)
        next_due = last + datetime.timedelta(days=plan.maintenance_interval_days)
    return PlanProgress(
        induction_doses=len(induction),
        maintenance_doses=len(maintenance),
        target=plan.induction_target_sessions,
        suggest_maintenance=(
            plan.status == PlanStatus.ACTIVE and len(induction) >= plan.induction_target_sessions
        ),
        next_maintenance_due=next_due,
    )


def session_list(*, user) -> QuerySet[Session]:
    """Sessions `user` may see, with patient, clinician, plan, room and dose joined (1 query)."""
    return Session.objects.visible_to(user).select_related(
        "patient", "clinician__user", "plan", "room", "dosing"
    )


def session_rows(*, user) -> QuerySet[Session]:
    """`session_list` narrowed to what a list row shows: the session's own columns, the
    patient's and clinician's names, the room's name and whether a dose exists. Wide joined
    rows (a patient's 30 columns, a dose's 35) cost more to build than the list itself."""
    return (
        Session.objects.visible_to(user)
        .select_related("patient", "clinician__user", "room", "dosing")
        .only(
            *(f.name for f in Session._meta.concrete_fields),
            "patient__legal_first_name",
            "patient__legal_last_name",
            "clinician__credentials",
            "clinician__user__first_name",
            "clinician__user__last_name",
            "clinician__user__username",
            "room__name",
            "dosing__id",
        )
    )


# What a row of `practice/_session_table.html` shows: the session's time, kind and status,
# the clinician's name and the dose (and the patient's name where the table lists several
# patients). Each selected column costs compile time in the ordering.
SESSION_TABLE_FIELDS = (
    "starts_at",
    "kind",
    "status",
    "clinician__credentials",
    "clinician__user__first_name",
    "clinician__user__last_name",
    "clinician__user__username",
    "dosing__dose_mg",
)


def session_table_rows(*, user) -> QuerySet[Session]:
    """`session_list` narrowed to the session table's columns with the patient's name (Today
    builds this list on every visit). The page passes the clinic for the local time
    (`clinic_rows`)."""
    return (
        Session.objects.visible_to(user)
        .select_related("patient", "clinician__user", "dosing")
        .only(*SESSION_TABLE_FIELDS, "patient__legal_first_name", "patient__legal_last_name")
    )


def patient_sessions_around(
    *, patient: Patient, now: datetime.datetime, limit: int = 10
) -> tuple[list[Session], list[Session]]:
    """The next `limit` sessions of `patient` from `now` (soonest first) and the last `limit`
    before it (newest first), whatever their status: 2 queries of at most `limit` narrow
    rows each, however long the patient's history. `patient` is one the caller may see
    (its own scoping read), so its sessions are too; each row's patient is the page's own
    (set by the related manager, not joined)."""
    rows = patient.sessions.select_related("clinician__user", "dosing").only(
        "patient", *SESSION_TABLE_FIELDS
    )
    upcoming = rows.filter(starts_at__gte=now).order_by("starts_at", "id")[:limit]
    past = rows.filter(starts_at__lt=now).order_by("-starts_at", "-id")[:limit]
    return list(upcoming), list(past)


def video_session_for_participant(*, user, pk) -> Session:
    """The video session `pk` if `user` takes part in it: its patient, its clinician, the
    patient's care team or the clinic's admins (who may see the session), while it is still
    scheduled or checked in. Anything else is the same Http404 (and the access is audited),
    so an id never tells whether someone else's video session exists."""
    led = Session.objects.filter(clinician__user=user) if user.is_authenticated else None
    scope = Q(pk__in=Session.objects.visible_to(user).values("pk"))
    if led is not None:
        scope |= Q(pk__in=led.values("pk"))
    queryset = Session.objects.filter(
        scope,
        modality=SessionModality.VIDEO,
        status__in=[SessionStatus.SCHEDULED, SessionStatus.CHECKED_IN],
    ).select_related("clinician__user", "patient")
    try:
        session = queryset.get(pk=pk)
    except (Session.DoesNotExist, ValueError, TypeError):
        raise Http404("No session found.") from None
    audit_access(session)
    return session


def session_get(*, user, pk) -> Session:
    return session_list(user=user).get(pk=pk)


def dose_history(*, patient: Patient, before: datetime.datetime | None = None):
    """The patient's doses, newest first, with vitals and adverse events loaded (3 queries).

    Shown next to a new dose for titration context; nothing here suggests a dose.
    """
    records = (
        DosingRecord.objects.filter(session__patient=patient)
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session__clinic", "administered_by__user")
        .prefetch_related(
            Prefetch("vitals", queryset=VitalSigns.objects.order_by("taken_at")),
            Prefetch("adverse_events", queryset=AdverseEvent.objects.order_by("occurred_at")),
        )
        .order_by("-administered_at", "-id")
    )
    if before is not None:
        records = records.filter(administered_at__lt=before)
    return records


def dose_times(*, patient: Patient) -> list[datetime.datetime]:
    """When the patient's doses were given, oldest first (1 query): the marks on their
    measure charts."""
    return list(
        DosingRecord.objects.filter(session__patient=patient, administered_at__isnull=False)
        .exclude(session__status=SessionStatus.CANCELLED)
        .order_by("administered_at")
        .values_list("administered_at", flat=True)
    )


# Most severe first: an urgent suicidality alert sits above a newer warning.
SEVERITY_RANK = Case(
    When(severity=AlertSeverity.URGENT, then=Value(0)),
    When(severity=AlertSeverity.WARNING, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
ALERT_ORDER = (SEVERITY_RANK, "-raised_at", "-pk")


def alert_list(*, user, open_only: bool = True) -> QuerySet[SafetyAlert]:
    """Safety alerts `user` may see, most severe first, then newest first."""
    alerts = SafetyAlert.objects.visible_to(user).select_related(
        "patient__clinic", "session", "acknowledged_by__user"
    )
    if open_only:
        alerts = alerts.filter(acknowledged_at__isnull=True)
    return alerts.order_by(*ALERT_ORDER)


def patient_alerts_open(*, patient: Patient) -> QuerySet[SafetyAlert]:
    """The open alerts of `patient` (one the caller may see), in `alert_list`'s order; each
    row's patient is `patient` itself, not joined again (1 query)."""
    return patient.safety_alerts.filter(acknowledged_at__isnull=True).order_by(*ALERT_ORDER)


def alert_rows(*, user) -> QuerySet[SafetyAlert]:
    """The open alerts of `alert_list`, narrowed to what `practice/_alerts.html` shows (the
    patient's name, the session's id; no acknowledgement, which open alerts lack)."""
    return (
        alert_list(user=user)
        .select_related(None)
        .select_related("patient")
        .only(
            "kind",
            "severity",
            "message",
            "raised_at",
            "session_id",
            "patient__legal_first_name",
            "patient__legal_last_name",
        )
    )


def clinic_rows(rows, *, clinic, via: str = "patient"):
    """Hand `clinic` (the reader's, already read with their role) to each row's `via`
    object for the templates' `local_time`, instead of joining the clinic in every row:
    rows scoped by `visible_to` are all of the reader's clinic."""
    rows = list(rows)
    for row in rows:
        getattr(row, via).clinic = clinic
    return rows


@dataclass(frozen=True)
class CycleGap:
    """A dosing session missing its preparation before or integration after."""

    plan: TreatmentPlan
    session: Session
    missing: str  # "preparation" | "integration"

    @property
    def message(self) -> str:
        if self.missing == "preparation":
            return "No preparation session before this dose."
        return "No integration session after this dose."


def cycle_gap_doses(
    *, user, clinic_id: int, now: datetime.datetime | None = None
) -> QuerySet[Session]:
    """The doses `user` may see of the clinic's running plans, each annotated `prepared` and
    `integrated` by the rules of a KAP cycle, in one query:
    - prepared: a preparation of the plan precedes the dose, with no other dose from that
      preparation up to this dose;
    - integrated: an integration of the plan follows the dose within the clinic's
      `integration_within_days` of its end.
    Cancelled and no-show sessions count for nothing.

    Only doses from `settings.CYCLE_GAP_LOOKBACK_DAYS` before `now` on (and every dose ahead)
    are read: a gap in a dose months ago can no longer be closed, and reading every dose of
    a plan that has run for years made Today's cost grow with the clinic's history (76 ms for
    2,500 doses at 500,000 sessions). The plan's page still shows every session.
    """
    now = now or timezone.now()
    window = datetime.timedelta(days=clinical_settings_for(clinic_id).integration_within_days)
    gone = [SessionStatus.CANCELLED, SessionStatus.NO_SHOW]
    held = Session.objects.exclude(status__in=gone)
    dose_between = held.filter(
        plan_id=OuterRef(OuterRef("plan_id")),
        kind=SessionKind.DOSING,
        starts_at__gte=OuterRef("starts_at"),
        starts_at__lt=OuterRef(OuterRef("starts_at")),
    )
    preparation = held.filter(
        plan_id=OuterRef("plan_id"),
        kind=SessionKind.PREPARATION,
        starts_at__lt=OuterRef("starts_at"),
    ).filter(~Exists(dose_between))
    integration = held.filter(
        plan_id=OuterRef("plan_id"),
        kind=SessionKind.INTEGRATION,
        starts_at__gt=OuterRef("starts_at"),
        starts_at__lte=ExpressionWrapper(
            OuterRef("ends_at") + window, output_field=DateTimeField()
        ),
    )
    return (
        Session.objects.visible_to(user)
        .filter(
            clinic_id=clinic_id,
            kind=SessionKind.DOSING,
            plan__status__in=[PlanStatus.ACTIVE, PlanStatus.MAINTENANCE],
            starts_at__gte=now - datetime.timedelta(days=settings.CYCLE_GAP_LOOKBACK_DAYS),
        )
        .exclude(status__in=gone)
        .annotate(prepared=Exists(preparation), integrated=Exists(integration))
    )


def kap_cycle_gaps(*, user, now: datetime.datetime | None = None) -> list[CycleGap]:
    """The gaps of `cycle_gap_doses` for the worklist, by the dose's start (a dose missing
    both shows its preparation first)."""
    actor = actor_for(user)
    if actor is None or not actor.is_staff_member:
        return []
    doses = (
        cycle_gap_doses(user=user, clinic_id=actor.clinic_id, now=now)
        .filter(Q(prepared=False) | Q(integrated=False))
        .select_related("plan", "patient__clinic")
        .order_by("starts_at", "pk")
    )
    gaps: list[CycleGap] = []
    for dose in doses:
        if not dose.prepared:
            gaps.append(CycleGap(dose.plan, dose, "preparation"))
        if not dose.integrated:
            gaps.append(CycleGap(dose.plan, dose, "integration"))
    return gaps


def kap_cycle_gap_count(*, user, clinic_id: int, now: datetime.datetime | None = None) -> int:
    """How many gaps `kap_cycle_gaps` lists, counted by the database (2 queries: the clinic's
    integration window, one aggregate)."""
    counts = cycle_gap_doses(user=user, clinic_id=clinic_id, now=now).aggregate(
        unprepared=Count("pk", filter=Q(prepared=False)),
        unintegrated=Count("pk", filter=Q(integrated=False)),
    )
    return counts["unprepared"] + counts["unintegrated"]
