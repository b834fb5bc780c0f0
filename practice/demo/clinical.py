"""The demo clinic's clinical record (fictional), written only through practice's services.

- Eleanor: cleared screening; an induction plan with three completed KAP cycles
  (preparation, dose, integration), each dose with its pre-dose checks, vital signs every
  15 minutes (one reading past the clinic's limits, so a vitals alert is open), a
  dissociation rating and discharge; nausea once; GAD-7 and PHQ-9 improving.
- Marcus: induction done (six doses), plan moved to maintenance; GAD-7 and PHQ-9 from
  baseline to response and remission.
- Hannah: a relative contraindication that needed review, signed off by medical staff;
  an active plan at a lower starting dose, no dose yet.
- Samir: not cleared for uncontrolled blood pressure, cleared on re-screening.
- Consents: the clinic publishes all five documents (the default texts,
  `practice/consent_texts.py`); Eleanor signed the KAP informed consent, the
  controlled-substance agreement, the financial policy and the telehealth consent at her
  screening (release of information waits in her portal), Marcus the first two, and medical staff
  countersigned Eleanor's KAP consent. Hannah has no portal login and has not signed, so
  her page shows that dosing needs consent.
- Ruth: a PHQ-9 with item 9 above 0, so an urgent alert waits on her care team's dashboards,
  left open to show the suicide-risk pathway: "Assess risk" opens the C-SSRS screener, and
  until a clinician records it (and, at moderate or high risk, writes her safety plan) she
  would not be dosed.

Runs after the controlled stock (doses are drawn from its lots, received weeks before) and
before the calendar, notes and billing demos, which build on these sessions. Dates are
relative to today (clinic time), on weekdays, at hours the other demos leave free: the
therapist's demo sessions here start at 8:00, 11:00 or 14:00, doses at 9:00 or 13:00.
Eleanor's intake and first preparation fall in last month, so last month's superbill has
her intake evaluation and a full psychotherapy hour whatever today's date.

Idempotent: once Eleanor has a plan, it does nothing.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from practice import services
from practice.choices import (
    DOSING_CONSENT_KINDS,
    AdverseEventKind,
    ConsentKind,
    Instrument,
    Route,
    SessionKind,
)
from practice.consent_texts import DEFAULT_TEXTS
from practice.models import Contraindication, TreatmentPlan

THERAPY_MINUTES, INTAKE_MINUTES, DOSING_MINUTES = 55, 60, 120

# Vital signs every 15 minutes after the dose: (systolic, diastolic, heart rate, SpO2).
SETTLING = [(138, 86, 84, 98), (134, 84, 80, 98), (128, 82, 76, 98), (124, 80, 74, 99)]
SPIKE = [(182, 104, 96, 97), (158, 94, 88, 98), (136, 84, 80, 98), (126, 80, 74, 99)]


def weekdays_before(day: dt.date, count: int) -> dt.date:
    """The weekday `count` weekdays before `day` (Monday to Friday, `day` not counted);
    a negative `count` counts forward."""
    step = dt.timedelta(days=-1 if count > 0 else 1)
    count = abs(count)
    while count:
        day += step
        if day.weekday() < 5:
            count -= 1
    return day


def answers_for(instrument: str, total: int, self_harm: int = 0) -> list[int]:
    """Item answers adding up to `total`, spread evenly; PHQ-9 item 9 is `self_harm`."""
    items = 9 if instrument == Instrument.PHQ9 else 7
    spread = items - 1 if instrument == Instrument.PHQ9 else items
    rest = total - self_harm
    answers = [rest // spread + (1 if i < rest % spread else 0) for i in range(spread)]
    return [*answers, self_harm] if instrument == Instrument.PHQ9 else answers


class _Demo:
    """The clinic, its people and a wall clock in the clinic's time zone."""

    def __init__(self, ctx: dict):
        self.clinic, self.staff, self.patients = ctx["clinic"], ctx["staff"], ctx["patients"]
        self.medical, self.therapist = self.staff["medical"], self.staff["therapist"]
        self.nurse = ctx["nurse"]
        self.lots = {lot.lot_number: lot for lot in ctx["controlled_lots"]}
        self.zone = self.clinic.zone
        self.today = timezone.now().astimezone(self.zone).date()

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.zone)

    def day(self, weekdays_ago: int) -> dt.date:
        return weekdays_before(self.today, weekdays_ago)

    def signs(self, patient, kinds, at: dt.datetime) -> list:
        """The patient signs the clinic's published documents of `kinds` in the portal (a
        small drawn mark), from the clinic's front-desk address."""
        import base64
        import io

        from PIL import Image, ImageDraw

        image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
        ImageDraw.Draw(image).line(
            [(20, 70), (70, 25), (120, 72), (250, 30)], fill="black", width=4
        )
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        drawing = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
        signed = []
        for template in self.clinic.consent_templates.filter(status="published", kind__in=kinds):
            signed.append(
                services.consent_sign(
                    template=template,
                    patient=patient,
                    user=patient.user,
                    signed_name=patient.full_name,
                    signature=drawing,
                    ip_address="198.51.100.24",
                    user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)",
                    at=at,
                )
            )
        return signed

    def finding(self, name: str, note: str) -> dict:
        item = Contraindication.objects.get(clinic=self.clinic, name=name)
        return {"contraindication_id": item.pk, "note": note}

    def visit(self, *, plan, kind, starts_at, minutes=THERAPY_MINUTES):
        """A preparation or integration session that took place, start to end."""
        session = services.session_create(
            patient=plan.patient,
            clinician=self.therapist,
            kind=kind,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=minutes),
            plan=plan,
        )
        services.session_check_in(session=session, at=starts_at)
        return services.session_complete(session=session, at=session.ends_at)

    def dose(
        self, *, plan, starts_at, lot, dose_mg, weight_kg, predose, readings, rating, notes, events
    ):
        """A dosing session from check-in to discharge: the gate, the dose (and its ledger
        entry), a reading every 15 minutes, adverse events, the rating and discharge."""
        session = services.session_create(
            patient=plan.patient,
            clinician=self.medical,
            kind=SessionKind.DOSING,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=DOSING_MINUTES),
            plan=plan,
        )
        services.session_check_in(session=session, at=starts_at - dt.timedelta(minutes=10))
        given = starts_at + dt.timedelta(minutes=20)
        systolic, diastolic, heart_rate, spo2 = predose
        record = services.dosing_record_create(
            session=session,
            by=self.medical,
            dose_mg=Decimal(dose_mg),
            weight_kg=Decimal(weight_kg),
            escort_confirmed=True,
            fasting_confirmed=True,
            predose_systolic=systolic,
            predose_diastolic=diastolic,
            predose_heart_rate=heart_rate,
            predose_spo2=spo2,
            lot=self.lots[lot],
            administered_at=given,
        )
        for number, (systolic, diastolic, heart_rate, spo2) in enumerate(readings, start=1):
            services.vitals_record(
                record=record,
                by=self.nurse,
                systolic=systolic,
                diastolic=diastolic,
                heart_rate=heart_rate,
                spo2=spo2,
                taken_at=given + dt.timedelta(minutes=15 * number),
            )
        for kind, minutes, description, action in events:
            services.adverse_event_record(
                record=record,
                by=self.medical,
                kind=kind,
                description=description,
                action_taken=action,
                occurred_at=given + dt.timedelta(minutes=minutes),
            )
        services.dosing_observations_update(
            record=record, by=self.medical, dissociation_score=rating, notes=notes
        )
        services.dosing_discharge(
            record=record,
            by=self.medical,
            vitals_near_baseline=True,
            alert_and_oriented=True,
            escort_present=True,
            at=session.ends_at,
        )
        services.session_complete(session=session, at=session.ends_at)
        return record

    def answered(self, patient, scores: dict, when: dt.datetime, *, entered_by=None, self_harm=0):
        for instrument, total in scores.items():
            services.measure_record(
                patient=patient,
                instrument=instrument,
                answers=answers_for(instrument, total, self_harm),
                entered_by=entered_by or patient.user,
                answered_at=when,
            )

    def plan(self, patient, *, dose_per_kg: str, goals: str, activated_at=None) -> TreatmentPlan:
        plan = services.plan_create(
            patient=patient,
            by=self.medical,
            route=Route.INTRAMUSCULAR,
            starting_dose_mg_per_kg=Decimal(dose_per_kg),
            diagnoses=list(patient.diagnoses.all()),
            goals=goals,
        )
        return services.plan_activate(plan=plan, by=self.medical, at=activated_at)


GAD7, PHQ9 = Instrument.GAD7, Instrument.PHQ9


def _eleanor(demo: _Demo) -> None:
    eleanor = demo.patients["eleanor"]
    prep_days = [demo.day(15), demo.day(10), demo.day(5)]
    month_start = demo.today.replace(day=1)
    if prep_days[0] >= month_start:
        # Keep the intake and the first preparation in last month (see the module docstring).
        prep_days[0] = weekdays_before(month_start, 1)
    intake_day = weekdays_before(prep_days[0], 2)
    services.screening_record(
        patient=eleanor,
        by=demo.medical,
        screened_on=weekdays_before(intake_day, 3),
        baseline_systolic=122,
        baseline_diastolic=78,
        baseline_heart_rate=72,
        weight_kg=Decimal("68.0"),
        medications="Sertraline 100 mg daily",
        notes="No contraindications. Partner will drive her home after each dose.",
    )
    signed = demo.signs(
        eleanor,
        [*DOSING_CONSENT_KINDS, ConsentKind.FINANCIAL_POLICY, ConsentKind.TELEHEALTH],
        demo.at(weekdays_before(intake_day, 3), 10),
    )
    services.consent_countersign(
        consent=next(c for c in signed if c.kind == ConsentKind.KAP_INFORMED_CONSENT),
        by=demo.medical,
        at=demo.at(weekdays_before(intake_day, 3), 11),
    )
    intake = demo.at(intake_day, 14)
    plan = demo.plan(
        eleanor,
        dose_per_kg="0.500",
        goals="Feel less braced all the time; sleep through the night.",
        activated_at=intake - dt.timedelta(minutes=30),
    )
    demo.visit(plan=plan, kind=SessionKind.PREPARATION, starts_at=intake, minutes=INTAKE_MINUTES)
    demo.answered(eleanor, {GAD7: 16, PHQ9: 12}, intake + dt.timedelta(minutes=90))
    doses = [
        # weekdays ago, mg, vital signs, rating, notes, adverse events
        (14, 34, SETTLING, 4, "Eye shades and the piano playlist; settled within minutes.",
         [(AdverseEventKind.NAUSEA, 35, "Queasy as the dose wore off.",
           "Ondansetron 4 mg ODT; settled within 20 minutes.")]),
        (9, 41, SETTLING, 6, "Tearful at the peak, then calm; asked for a blanket.", []),
        (4, 48, SPIKE, 7, "Deepest session so far; oriented at 75 minutes.",
         [(AdverseEventKind.BP_RISE, 15, "182/104 at the first reading after the dose.",
           "Rechecked every 15 minutes; back under 160/100 by 30 minutes without treatment.")]),
    ]  # fmt: skip
    scores = [{GAD7: 13, PHQ9: 10}, {GAD7: 10, PHQ9: 8}, {GAD7: 8, PHQ9: 6}]
    for prep_day, dose_row, after in zip(prep_days, doses, scores, strict=True):
        weekdays_ago, mg, readings, rating, notes, events = dose_row
        dose_day = demo.day(weekdays_ago)
        demo.visit(plan=plan, kind=SessionKind.PREPARATION, starts_at=demo.at(prep_day, 14))
        record = demo.dose(
            plan=plan,
            starts_at=demo.at(dose_day, 13),
            lot="KV24A117",
            dose_mg=mg,
            weight_kg="68.0",
            predose=(124, 78, 74, 99),
            readings=readings,
            rating=rating,
            notes=notes,
            events=events,
        )
        next_day = weekdays_before(dose_day, -1)
        demo.visit(plan=plan, kind=SessionKind.INTEGRATION, starts_at=demo.at(next_day, 14))
        demo.answered(eleanor, after, record.administered_at + dt.timedelta(hours=26))


def _marcus(demo: _Demo) -> None:
    marcus = demo.patients["marcus"]
    services.screening_record(
        patient=marcus,
        by=demo.medical,
        screened_on=demo.day(24),
        baseline_systolic=128,
        baseline_diastolic=82,
        baseline_heart_rate=76,
        weight_kg=Decimal("84.0"),
        medications="Bupropion XL 300 mg daily",
        notes="No contraindications. Two antidepressant trials without remission.",
    )
    demo.signs(marcus, DOSING_CONSENT_KINDS, demo.at(demo.day(24), 10))
    intake = demo.day(22)
    plan = demo.plan(
        marcus,
        dose_per_kg="0.500",
        goals="Get out of bed without dread; go back to playing music with his brother's band.",
        activated_at=demo.at(intake, 10, 30),
    )
    demo.visit(
        plan=plan,
        kind=SessionKind.PREPARATION,
        starts_at=demo.at(intake, 11),
        minutes=INTAKE_MINUTES,
    )
    demo.answered(marcus, {GAD7: 14, PHQ9: 19}, demo.at(intake, 12, 30))
    # Twice a week for three weeks: a short preparation before each dose, integration the
    # next weekday; the short-dated lot is used first.
    doses = [(19, 42, 5), (16, 50, 6), (13, 55, 6), (10, 59, 7), (7, 59, 6), (4, 59, 7)]
    scores = [(11, 15), (9, 12), (7, 9), (5, 7), (4, 5), (3, 4)]
    for number, ((weekdays_ago, mg, rating), (gad7, phq9)) in enumerate(
        zip(doses, scores, strict=True), start=1
    ):
        day = demo.day(weekdays_ago)
        demo.visit(plan=plan, kind=SessionKind.PREPARATION, starts_at=demo.at(day, 8), minutes=45)
        events = []
        if number == 2:
            events = [
                (
                    AdverseEventKind.DIZZINESS,
                    50,
                    "Unsteady standing up.",
                    "Sat for ten more minutes; walked out steadily with his sister.",
                )
            ]
        record = demo.dose(
            plan=plan,
            starts_at=demo.at(day, 9),
            lot="KV24B031",
            dose_mg=mg,
            weight_kg="84.0",
            predose=(130, 84, 78, 98),
            readings=[(146, 92, 88, 97), (140, 88, 84, 98), (134, 86, 80, 98), (130, 84, 78, 98)],
            rating=rating,
            notes=f"Induction dose {number} of 6.",
            events=events,
        )
        next_day = weekdays_before(day, -1)
        demo.visit(plan=plan, kind=SessionKind.INTEGRATION, starts_at=demo.at(next_day, 11))
        demo.answered(
            marcus, {GAD7: gad7, PHQ9: phq9}, record.administered_at + dt.timedelta(hours=26)
        )
    # Moved to maintenance at the integration session after his sixth dose.
    services.plan_move_to_maintenance(plan=plan, by=demo.therapist, at=demo.at(next_day, 12))


def _hannah(demo: _Demo) -> None:
    hannah = demo.patients["hannah"]
    screening = services.screening_record(
        patient=hannah,
        by=demo.nurse,
        screened_on=demo.day(12),
        baseline_systolic=116,
        baseline_diastolic=74,
        baseline_heart_rate=68,
        weight_kg=Decimal("61.5"),
        findings=[
            demo.finding(
                "Severe liver disease",
                "ALT 74, AST 58 U/L on intake labs; fatty liver on ultrasound, no cirrhosis.",
            )
        ],
        medications="Escitalopram 10 mg daily",
    )
    services.screening_sign_off(
        screening=screening,
        by=demo.medical,
        reason="Enzymes under twice the upper limit and no cirrhosis on imaging: start at "
        "0.4 mg/kg and repeat the liver panel after the induction.",
    )
    demo.plan(hannah, dose_per_kg="0.400", goals="Fewer panic episodes; drive on the highway.")
    therapist2 = demo.staff["therapist2"].user
    demo.answered(hannah, {GAD7: 15, PHQ9: 9}, demo.at(demo.day(12), 11), entered_by=therapist2)
    demo.answered(hannah, {GAD7: 11}, demo.at(demo.day(3), 17), entered_by=therapist2)


def _samir(demo: _Demo) -> None:
    samir = demo.patients["samir"]
    services.screening_record(
        patient=samir,
        by=demo.medical,
        screened_on=demo.day(25),
        baseline_systolic=168,
        baseline_diastolic=104,
        baseline_heart_rate=88,
        weight_kg=Decimal("79.0"),
        findings=[
            demo.finding(
                "Uncontrolled high blood pressure",
                "168/104 and 164/102 ten minutes apart; not on treatment. Referred to his GP.",
            )
        ],
    )
    services.screening_record(
        patient=samir,
        by=demo.medical,
        screened_on=demo.day(8),
        baseline_systolic=128,
        baseline_diastolic=82,
        baseline_heart_rate=74,
        weight_kg=Decimal("78.5"),
        medications="Amlodipine 5 mg daily (started by his GP)",
        notes="Re-screened: blood pressure controlled for three weeks on home readings.",
    )


def _ruth(demo: _Demo) -> None:
    ruth, entered_by = demo.patients["ruth"], demo.therapist.user
    demo.answered(ruth, {PHQ9: 18}, demo.at(demo.day(15), 13), entered_by=entered_by)
    # Read out by phone this morning: item 9 "several days" raises the urgent alert.
    demo.answered(
        ruth,
        {PHQ9: 16},
        timezone.now() - dt.timedelta(minutes=90),
        entered_by=entered_by,
        self_harm=1,
    )


def _consent_templates(demo: _Demo) -> None:
    """The five documents, published two months ago (before anyone signed); the KAP
    consent asks for a countersignature."""
    admin = demo.staff["admin"]
    published = demo.at(weekdays_before(demo.today, 45), 9)
    for kind, (title, body) in DEFAULT_TEXTS.items():
        template = services.consent_template_create(
            clinic_id=demo.clinic.pk,
            kind=kind,
            title=title,
            body=body,
            by=admin,
            requires_countersignature=kind == ConsentKind.KAP_INFORMED_CONSENT,
        )
        services.consent_template_publish(template=template, by=admin, at=published)


def seed(ctx: dict) -> dict:
    demo = _Demo(ctx)
    if TreatmentPlan.objects.filter(patient=demo.patients["eleanor"]).exists():
        return ctx
    services.clinic_clinical_setup(clinic=demo.clinic)
    _consent_templates(demo)
    for part in (_eleanor, _marcus, _hannah, _samir, _ruth):
        part(demo)
    return ctx
