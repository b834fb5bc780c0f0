"""Reads of outcome measures: lists, what is due, and baseline → latest summaries."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from practice import instruments
from practice.choices import PlanStatus, SessionStatus
from practice.models import DosingRecord, MeasureResponse, Patient, TreatmentPlan
from practice.selectors.clinical import clinical_settings_for


def measure_list(*, user) -> QuerySet[MeasureResponse]:
    return MeasureResponse.objects.visible_to(user).select_related("patient")


@dataclass(frozen=True)
class DueMeasure:
    """A questionnaire the patient should answer now, and why."""

    patient_id: int
    instrument: str
    due_at: datetime.datetime
    reason: str

    @property
    def name(self) -> str:
        return instruments.spec(self.instrument).name

    @property
    def spec(self):
        return instruments.spec(self.instrument)


def _due_points(
    *, plan: TreatmentPlan, doses: list[datetime.datetime], settings, now
) -> list[tuple[datetime.datetime, str]]:
    """Moments when questionnaires fall due under `plan`, tied to its doses, oldest first."""
    points: list[tuple[datetime.datetime, str]] = []
    if (
        settings.measure_baseline_before_first_dose
        and not doses
        and plan.status != PlanStatus.MAINTENANCE
    ):
        # Due from the moment the plan exists until the first dose; after it, too late.
        points.append((plan.created_at, "Baseline, before the first dose"))
    switch = plan.maintenance_started_at
    for number, given_at in enumerate(doses, start=1):
        if switch is not None and given_at >= switch:
            continue
        for hours in sorted(settings.measure_after_dose_hours):
            label = f"{hours // 24} days" if hours % 24 == 0 and hours > 24 else f"{hours} h"
            points.append(
                (given_at + datetime.timedelta(hours=hours), f"{label} after dose {number}")
            )
    if plan.status == PlanStatus.MAINTENANCE and switch is not None:
        step = datetime.timedelta(days=settings.measure_maintenance_days)
        moment = switch
        while moment <= now:
            points.append((moment, "Monthly check-in (maintenance)"))
            moment += step
    points.sort(key=lambda point: point[0])
    return points


# `measures_due(plan=…)` not given: it reads the patient's open plan itself.
_READ_PLAN = object()


def measures_due(
    *, patient: Patient, now: datetime.datetime | None = None, plan=_READ_PLAN
) -> list[DueMeasure]:
    """Questionnaires `patient` should answer at `now` (3 queries; 2 when the caller passes
    `plan`, the patient's newest plan that is not completed or discontinued, or None).

    The schedule is tied to dosing, not the calendar: baseline before the first dose, then
    the clinic's hours after each induction dose (default 24 h and 7 days), then every
    `measure_maintenance_days` in maintenance. For each instrument only the latest moment
    that has passed counts: it is due until a response of that instrument arrives after
    it (a missed moment is superseded by the next, never piled up). The reminders work
    calls this to invite patients; the portal lists it.
    """
    now = now or timezone.now()
    if plan is _READ_PLAN:
        plan = _open_plan(patient)
    if plan is None:
        return []
    settings = clinical_settings_for(patient.clinic_id)
    doses = sorted(
        t
        for t in DosingRecord.objects.filter(session__plan=plan)
        .exclude(session__status=SessionStatus.CANCELLED)
        .values_list("administered_at", flat=True)
        if t is not None
    )
    latest_answer: dict[str, datetime.datetime] = {}
    for instrument, answered_at in MeasureResponse.objects.filter(patient=patient).values_list(
        "instrument", "answered_at"
    ):
        if answered_at > latest_answer.get(instrument, answered_at - datetime.timedelta(1)):
            latest_answer[instrument] = answered_at
    points = list(_due_points(plan=plan, doses=doses, settings=settings, now=now))
    passed = [p for p in points if p[0] <= now]
    due: list[DueMeasure] = []
    for instrument in settings.measure_instruments:
        if not passed:
            break
        due_at, reason = passed[-1]
        answered = latest_answer.get(instrument)
        if reason.startswith("Baseline"):
            # A baseline is any answer at all before the first dose.
            if answered is not None:
                continue
        elif answered is not None and answered >= due_at:
            continue
        due.append(DueMeasure(patient.pk, instrument, due_at, reason))
    return due


def _open_plan(patient: Patient):
    """The patient's newest plan that is not completed or discontinued, or None."""
    return (
        TreatmentPlan.objects.filter(
            patient=patient,
            status__in=[PlanStatus.DRAFT, PlanStatus.ACTIVE, PlanStatus.MAINTENANCE],
        )
        .order_by("-created_at")
        .first()
    )


@dataclass(frozen=True)
class MeasureSummary:
    """Baseline, latest and change of one instrument, with response and remission."""

    instrument: str
    baseline: MeasureResponse | None
    latest: MeasureResponse | None
    responses: list[MeasureResponse]

    @property
    def name(self) -> str:
        return instruments.spec(self.instrument).name

    @property
    def change(self) -> int | None:
        if self.baseline is None or self.latest is None:
            return None
        return self.latest.score - self.baseline.score

    @property
    def percent_change(self) -> int | None:
        if self.change is None or not self.baseline.score:
            return None
        return round(100 * self.change / self.baseline.score)

    @property
    def has_follow_up(self) -> bool:
        return (
            self.latest is not None and self.baseline is not None and self.latest != self.baseline
        )

    @property
    def spec(self) -> instruments.InstrumentSpec:
        return instruments.spec(self.instrument)

    @property
    def response(self) -> bool:
        """A clinically meaningful improvement from baseline: at least a 50 % reduction
        (GAD-7, PHQ-9), or a drop of the instrument's set number of points (PCL-5: 10)."""
        if not self.has_follow_up or self.baseline.score <= 0:
            return False
        drop = self.baseline.score - self.latest.score
        if self.spec.response_drop is not None:
            return drop >= self.spec.response_drop
        return drop * 2 >= self.baseline.score

    @property
    def remission(self) -> bool:
        """Latest score below the instrument's remission cut-off (5 for GAD-7 and PHQ-9;
        below the provisional-PTSD cut-point for PCL-5)."""
        return self.has_follow_up and self.latest.score < self.spec.remission_below


def summarize(instrument: str, responses: list[MeasureResponse], first_dose_at=None):
    """`responses` of one instrument, oldest first. The baseline is the last answer before
    the first dose (or the first answer when there was none before it)."""
    responses = sorted(responses, key=lambda r: (r.answered_at, r.pk))
    baseline = None
    if responses:
        before = [
            r for r in responses if first_dose_at is not None and r.answered_at <= first_dose_at
        ]
        baseline = before[-1] if before else responses[0]
    return MeasureSummary(
        instrument=instrument,
        baseline=baseline,
        latest=responses[-1] if responses else None,
        responses=responses,
    )


def measure_summaries(
    *, patient: Patient, doses: list[datetime.datetime] | None = None
) -> list[MeasureSummary]:
    """One summary per instrument the patient has answered or the clinic collects (2 queries;
    1 when the caller passes `doses`, the patient's `dose_times`, or when nothing was
    answered; `doses` is not read then)."""
    responses = list(MeasureResponse.objects.filter(patient=patient).order_by("answered_at"))
    if not responses:
        return []
    if doses is not None:
        first_dose_at = doses[0] if doses else None
    else:
        first_dose_at = (
            DosingRecord.objects.filter(session__patient=patient, administered_at__isnull=False)
            .exclude(session__status=SessionStatus.CANCELLED)
            .order_by("administered_at")
            .values_list("administered_at", flat=True)
            .first()
        )
    codes = [
        code for code in instruments.INSTRUMENTS if any(r.instrument == code for r in responses)
    ]
    return [
        summarize(code, [r for r in responses if r.instrument == code], first_dose_at)
        for code in codes
    ]


def patients_with_measures_due(*, now: datetime.datetime | None = None, clinic=None) -> list:
    """Patients with at least one questionnaire due at `now` (for the invitations sweep).

    Looks only at patients with a plan that is not closed; about 3 queries per such patient.
    """
    now = now or timezone.now()
    candidates = Patient.objects.filter(
        plans__status__in=[PlanStatus.DRAFT, PlanStatus.ACTIVE, PlanStatus.MAINTENANCE]
    )
    if clinic is not None:
        candidates = candidates.filter(clinic=clinic)
    candidates = candidates.select_related("clinic").distinct().order_by("pk")
    return [patient for patient in candidates if measures_due(patient=patient, now=now)]
