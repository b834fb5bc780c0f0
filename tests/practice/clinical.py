"""Shared setup for the clinical tests: a patient cleared, planned and ready to dose."""

import datetime
from decimal import Decimal

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
    starts_at = starts_at or timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=5)
    session = services.session_create(
        patient=people.patient,
        clinician=people.medical,
        kind="dosing",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        plan=plan,
    )
    if checked_in:
        session = services.session_check_in(session=session)
    return session


def stock_lot(people):
    """A lot of ketamine in stock at Erin's clinic (every dose is drawn from a lot)."""
    from controlled.models import Lot
    from tests.factories import ProductFactory, receive_lot

    lot = Lot.objects.filter(clinic=people.clinic).first()
    if lot is None:
        product = ProductFactory(clinic=people.clinic)
        lot = receive_lot(product=product, received_by=people.medical, containers=10)
    return lot


def dose(people, session, **overrides):
    kwargs = {**GOOD_GATE, "dose_mg": Decimal("35"), "weight_kg": Decimal("70.0"), **overrides}
    kwargs.setdefault("lot", stock_lot(people))
    return services.dosing_record_create(session=session, by=people.medical, **kwargs)
