"""Shared setup for the clinical tests: a patient cleared, planned and ready to dose."""

import contextlib
import datetime
from decimal import Decimal

import time_machine
from django.utils import timezone

from practice import services
from practice.models import Session, TreatmentPlan
from tests.factories import ScreeningFactory, TreatmentPlanFactory, clinic_today

GOOD_GATE = {
    "escort_confirmed": True,
    "fasting_confirmed": True,
    "predose_systolic": 128,
    "predose_diastolic": 82,
    "predose_heart_rate": 74,
    "predose_spo2": 98,
}


def cleared_with_plan(people, *, screened_on=None) -> TreatmentPlan:
    """Erin screened (cleared) today and on an active IM plan, with her care team."""
    ScreeningFactory(
        patient=people.patient,
        screened_by=people.medical,
        screened_on=screened_on or clinic_today(people.clinic),
    )
    return TreatmentPlanFactory(
        patient=people.patient,
        created_by=people.medical,
        status="active",
        activated_at=timezone.now(),
    )


def dosing_session(people, plan=None, *, checked_in=True, starts_at=None) -> Session:
    plan = plan or cleared_with_plan(people)
    starts_at = starts_at or _free_start(people)
    session = services.session_create(
        patient=people.patient,
        clinician=people.medical,
        kind="dosing",
        starts_at=starts_at,
        ends_at=starts_at + DOSING_HOURS,
        plan=plan,
    )
    if checked_in:
        session = services.session_check_in(session=session)
    return session


DOSING_HOURS = datetime.timedelta(hours=2)


def _free_start(people) -> datetime.datetime:
    """Five minutes ago, or, if Erin or the medical staff member is busy then (PostgreSQL
    refuses a double booking), the first free two hours of today in the clinic's time, so
    that every session of a test is on the day its screening covers."""
    from django.db.models import Q

    start = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=5)
    busy = list(
        Session.objects.filter(Q(patient=people.patient) | Q(clinician=people.medical))
        .exclude(status="cancelled")
        .values_list("starts_at", "ends_at")
    )

    def clashes(at):
        return any(s < at + DOSING_HOURS and at < e for s, e in busy)

    if not clashes(start):
        return start
    zone = people.clinic.zone
    day = timezone.localtime(start, zone).date()
    at = datetime.datetime.combine(day, datetime.time(0, 5), zone)
    while clashes(at):
        at += DOSING_HOURS
    assert timezone.localtime(at, zone).date() == day, "no free two hours left today"
    return at


def stock_lot(people):
    """A lot of ketamine in stock at Erin's clinic (every dose is drawn from a lot)."""
    from controlled.models import Lot
    from tests.factories import ProductFactory, receive_lot

    lot = Lot.objects.filter(
        clinic=people.clinic, product__name__startswith="Ketamine 50 mg/mL, 10 mL vial"
    ).first()
    if lot is None:
        product = ProductFactory(clinic=people.clinic)
        lot = receive_lot(product=product, received_by=people.medical, containers=10)
    return lot


def dose(people, session, **overrides):
    kwargs = {**GOOD_GATE, "dose_mg": Decimal("35"), "weight_kg": Decimal("70.0"), **overrides}
    if "lot" not in kwargs:
        kwargs["lot"] = stock_lot(people)
    return services.dosing_record_create(session=session, by=people.medical, **kwargs)


@contextlib.contextmanager
def observed(people, record, *, minutes=61, reading=None):
    """With the clock `minutes` after the dose (past the clinic's default 60-minute
    observation for IM), a reading taken then: by default the pre-dose one again."""
    later = record.administered_at + datetime.timedelta(minutes=minutes)
    values = reading or {
        "systolic": record.predose_systolic,
        "diastolic": record.predose_diastolic,
        "heart_rate": record.predose_heart_rate or 74,
        "spo2": record.predose_spo2 or 98,
    }
    with time_machine.travel(later, tick=False):
        services.vitals_record(record=record, by=people.medical, taken_at=later, **values)
        yield later


def discharge(people, record, *, minutes=61, reading=None, **checks):
    """Observe the patient `minutes` after the dose with a reading back at baseline, then
    discharge with the checklist complete (each item may be overridden)."""
    with observed(people, record, minutes=minutes, reading=reading):
        return services.dosing_discharge(
            record=record,
            by=people.medical,
            **{"alert_and_oriented": True, "escort_present": True, **checks},
        )


def screen(people, *names, screened_on=None, systolic=122, diastolic=78, weight="70.0"):
    """Screen Erin through the service, today unless said, finding the checklist items
    `names` (the clinic's default checklist is set up on first use). She has signed the
    dosing consents (`consents_signed`), so the screening is what the test is about."""
    from practice.models import Contraindication
    from tests.factories import consents_signed

    consents_signed(people.patient)
    services.clinic_clinical_setup(clinic=people.clinic)
    items = Contraindication.objects.filter(clinic=people.clinic, name__in=names)
    assert items.count() == len(names)
    return services.screening_record(
        patient=people.patient,
        by=people.medical,
        screened_on=screened_on or clinic_today(people.clinic),
        baseline_systolic=systolic,
        baseline_diastolic=diastolic,
        baseline_heart_rate=72,
        weight_kg=Decimal(weight),
        findings=[{"contraindication_id": item.pk} for item in items],
    )


def troche_lot(people, *, containers=2):
    """A lot of 100 mg ketamine troches (30 a bottle): a formulation for the oral route."""
    from tests.factories import ProductFactory, receive_lot

    product = ProductFactory(
        clinic=people.clinic,
        name="Ketamine 100 mg troche, 30 per bottle",
        form="troche",
        strength_mg=Decimal("100"),
        units_per_container=Decimal("30"),
    )
    return receive_lot(product=product, received_by=people.medical, containers=containers)


def small_lot(people):
    """A lot holding 30 mg (one 3 mL vial of 10 mg/mL): short for most doses."""
    from tests.factories import ProductFactory, receive_lot

    product = ProductFactory(
        clinic=people.clinic,
        name="Ketamine 10 mg/mL, 3 mL vial",
        strength_mg=Decimal("10"),
        units_per_container=Decimal("3"),
    )
    return receive_lot(product=product, received_by=people.medical, containers=1)


def row_counts():
    """Dosing records, ledger entries and audit entries (reads aside): a refusal changes none."""
    from auditlog.models import LogEntry

    from controlled.models import LedgerEntry
    from practice.models import DosingRecord

    return (
        DosingRecord.objects.count(),
        LedgerEntry.objects.count(),
        LogEntry.objects.exclude(action=LogEntry.Action.ACCESS).count(),
    )


# Esketamine (SPRAVATO) ------------------------------------------------------------------


def esketamine_plan(people, *, starting_dose_mg="56"):
    """Erin screened (cleared) today and on an active esketamine plan (56 mg to start)."""
    ScreeningFactory(
        patient=people.patient,
        screened_by=people.medical,
        screened_on=clinic_today(people.clinic),
    )
    return TreatmentPlanFactory(
        patient=people.patient,
        created_by=people.medical,
        route="esketamine_nasal",
        starting_dose_mg_per_kg=None,
        starting_dose_mg=Decimal(starting_dose_mg),
        induction_target_sessions=8,
        induction_weeks=4,
        status="active",
        activated_at=timezone.now(),
    )


def device_lot(people, *, kits=5, devices_per_kit=3):
    """A lot of esketamine nasal spray devices (28 mg each), received through the ledger."""
    from controlled.models import Product
    from controlled.services import product_create
    from tests.factories import receive_lot

    name = f"Spravato 28 mg nasal spray, {devices_per_kit}-device kit"
    product = Product.objects.filter(clinic=people.clinic, name=name).first() or product_create(
        clinic=people.clinic,
        name=name,
        form="device",
        substance="Esketamine hydrochloride",
        strength_mg=Decimal("28"),
        units_per_container=Decimal(devices_per_kit),
        ndc=f"50458-028-0{devices_per_kit}",
    )
    return receive_lot(product=product, received_by=people.medical, containers=kits)


def esketamine_dose(people, session, **overrides):
    """56 mg of esketamine (2 devices) from a device lot, behind the usual pre-dose gate."""
    overrides = {"dose_mg": Decimal("56"), **overrides}
    if "lot" not in overrides:
        overrides["lot"] = device_lot(people)
    return dose(people, session, **overrides)


def rems_readings(people, record, *, at_minutes=(40, 115)):
    """Readings back at the pre-dose values `at_minutes` after the dose (by default the
    ~40-minute one and one before discharge), each with the clock at that moment."""
    values = {
        "systolic": record.predose_systolic,
        "diastolic": record.predose_diastolic,
        "heart_rate": record.predose_heart_rate or 74,
        "spo2": record.predose_spo2 or 98,
    }
    for minutes in at_minutes:
        moment = record.administered_at + datetime.timedelta(minutes=minutes)
        with time_machine.travel(moment, tick=False):
            services.vitals_record(record=record, by=people.medical, taken_at=moment, **values)


def rems_assessed(people, record, *, sedation="mild", dissociation_score=3):
    return services.dosing_observations_update(
        record=record, by=people.medical, sedation=sedation, dissociation_score=dissociation_score
    )


def rems_discharge(people, record, *, minutes=120, **checks):
    """Discharge `minutes` after the dose with the checklist (each item may be overridden),
    the clinician's judgement included."""
    at = record.administered_at + datetime.timedelta(minutes=minutes)
    with time_machine.travel(at, tick=False):
        return services.dosing_discharge(
            record=record,
            by=people.medical,
            **{
                "alert_and_oriented": True,
                "escort_present": True,
                "ready_per_clinical_judgement": True,
                **checks,
            },
        )
