"""Good Faith Estimates given at scheduling, without anyone remembering to.

The No Surprises Act wants a self-pay or uninsured patient's estimate given when services
are scheduled and before the first of them. The protocol:

- Scheduling imports no billing code (billing is the layer above it). When a booking
  commits, `session_book` calls each function named in `settings.KAP_SESSION_BOOKED` with
  the session's id; billing names `estimate_on_session_booked`.
- That hook only reads: a patient who is not self-pay, or a plan whose current estimate
  still matches what the plan would be estimated at now, needs nothing. Otherwise it
  enqueues the Celery task `billing.tasks.estimate_at_booking`, because issuing renders a
  PDF and the booking's response should not wait for it. A failure here is logged and never
  undoes or blocks the booking (it has committed already).
- The task calls `estimate_for_session`, safe to run twice: it locks the plan (inside
  `estimate_issue`) and re-checks, so two bookings of one plan issue one version.
- When the rule's requirements are missing (the practice's NPI, tax ID or address, a price),
  nothing is issued and an `EstimateDue` row records what is missing; Today and the billing
  home show it until an estimate is issued for the plan, by hand or at the next booking.
- Issuing tells the patient through the outbox that a document waits in the portal.

Self-pay means no insurance on the record, or an estimate already issued because the insured
patient asked not to bill the insurance (`patient_is_self_pay`).
"""

import logging

from django.db import transaction
from django.utils import timezone

from billing.errors import EstimateRefused
from billing.models import EstimateDue, GoodFaithEstimate
from billing.selectors import patient_is_self_pay
from billing.services.estimates import estimate_issue, estimate_items
from practice.models import Session, TreatmentPlan
from practice.selectors import plan_running_for

log = logging.getLogger(__name__)


def _plan_of(session: Session) -> TreatmentPlan | None:
    if session.plan_id:
        return session.plan
    return plan_running_for(patient=session.patient)


def estimate_is_current(*, plan: TreatmentPlan) -> bool:
    """Whether the plan's current estimate still says what the plan would be estimated at
    now (same rows, quantities and prices); a changed plan needs a new version."""
    current = GoodFaithEstimate.objects.filter(plan=plan, superseded_by__isnull=True).first()
    if current is None:
        return False
    rows, _ = estimate_items(plan=plan)
    return current.items == rows


def estimate_needed(*, session: Session) -> TreatmentPlan | None:
    """The plan whose estimate is due because `session` was booked, or None."""
    if not patient_is_self_pay(patient=session.patient):
        return None
    plan = _plan_of(session)
    if plan is None or estimate_is_current(plan=plan):
        return None
    return plan


def estimate_on_session_booked(*, session_id: int) -> None:
    """Scheduling's after-commit hook (`settings.KAP_SESSION_BOOKED`): enqueue the estimate
    when one is due. Never raises: the booking has committed and stands."""
    try:
        session = Session.objects.select_related("patient", "plan").filter(pk=session_id).first()
        if session is None or estimate_needed(session=session) is None:
            return
        from billing.tasks import estimate_at_booking  # cycle: tasks import the services

        estimate_at_booking.delay(session_id)
    except Exception:
        log.exception("Could not check the Good Faith Estimate of session %s", session_id)


def estimate_for_session(*, session_id: int) -> str:
    """Issue the estimate of the booked session's plan when one is due; else record what is
    missing (`EstimateDue`). Returns the outcome: "not_needed", "issued" or "due"."""
    session = Session.objects.select_related("patient", "plan").filter(pk=session_id).first()
    if session is None:
        return "not_needed"
    with transaction.atomic():
        plan = estimate_needed(session=session)
        if plan is None:
            return "not_needed"
        # Two bookings of one plan racing: the second waits here and finds it current.
        plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
        if estimate_is_current(plan=plan):
            return "not_needed"
        self_pay = bool(session.patient.insurance_payer)  # insured: the patient asked
        try:
            with transaction.atomic():
                estimate_issue(plan=plan, self_pay=self_pay)
        except EstimateRefused as refused:
            EstimateDue.objects.update_or_create(
                plan=plan,
                defaults={
                    "clinic_id": plan.clinic_id,
                    "patient_id": plan.patient_id,
                    "missing": list(refused.missing),
                    "noted_at": timezone.now(),
                },
            )
            return "due"
    return "issued"
