"""Reads of billing data, scoped to who is asking, with their joins done once here.

Selectors read and services write: `billing.services` may import this module, never the
other way round, so a balance or an open charge is computed in one place for pages, the
API, the services that apply payments and the demo.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from backend.roles import actor_for
from billing.choices import BulkItemOutcome, ChargeStatus, ClaimStatus
from billing.models import (
    BulkIssueItem,
    BulkIssueRun,
    CardPayment,
    Charge,
    Claim,
    ClaimLine,
    EstimateDue,
    GoodFaithEstimate,
    Instalment,
    Package,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    Remittance,
    SavedCard,
    SlidingScale,
    Superbill,
    SuperbillLine,
)
from billing.money import ZERO, money
from practice.choices import SessionStatus
from practice.models import Patient, Session
from scheduling.choices import EnrollmentStatus
from scheduling.models import Enrollment, RetreatSession


def charge_list(*, user) -> QuerySet[Charge]:
    """Charges `user` may see; a patient sees their approved charges only (not suggestions
    under review, nor void ones)."""
    qs = Charge.objects.visible_to(user).select_related(
        "patient", "rendering_provider__user", "session"
    )
    actor = actor_for(user)
    if actor is not None and actor.is_patient:
        qs = qs.filter(status=ChargeStatus.APPROVED)
    return qs


def review_queue(*, user) -> QuerySet[Charge]:
    """Suggested charges waiting for an admin, oldest first."""
    return (
        charge_list(user=user)
        .filter(status=ChargeStatus.SUGGESTED)
        .order_by("date_of_service", "patient_id", "id")
    )


def sessions_awaiting_charges(*, clinic_id=None, now=None) -> QuerySet[Session]:
    """Completed sessions of the billing window with no live charge: the admin's review
    queue starts here.

    Bounded by `BILLING_UNCHARGED_WINDOW_DAYS` (the last year by default, as long as most
    payers accept a claim): the anti-join reads the window's sessions through the
    (clinic, starts_at, id) index, never the clinic's whole history.
    """
    now = now or timezone.now()
    since = now - datetime.timedelta(days=settings.BILLING_UNCHARGED_WINDOW_DAYS)
    live = Charge.objects.filter(session=OuterRef("pk")).exclude(status=ChargeStatus.VOID)
    qs = Session.objects.filter(status=SessionStatus.COMPLETED, starts_at__gte=since).filter(
        ~Exists(live)
    )
    if clinic_id is not None:
        qs = qs.filter(clinic_id=clinic_id)
    return qs


def sessions_without_charges(*, clinic_id):
    """Completed sessions nobody has charged yet (nothing could be suggested for them)."""
    return (
        sessions_awaiting_charges(clinic_id=clinic_id)
        .select_related("patient", "clinician__user")
        .order_by("starts_at")
    )


def package_list(*, user) -> QuerySet[Package]:
    """Packages `user` may see, each with `used`: sessions with live charges drawn on it."""
    return with_usage(Package.objects.visible_to(user).select_related("patient", "retreat"))


def with_usage(packages: QuerySet[Package]) -> QuerySet[Package]:
    """Annotate `used`: sessions with live (not void) charges drawn on each package."""
    return packages.annotate(
        used=Count("charges__session", filter=~Q(charges__status=ChargeStatus.VOID), distinct=True)
    )


def package_sessions_used(package: Package) -> int:
    """How many sessions have live charges drawn on the package."""
    return with_usage(Package.objects.filter(pk=package.pk)).values_list("used", flat=True).get()


def retreat_sessions_of(enrollment: Enrollment) -> QuerySet[RetreatSession]:
    """The enrollment's timetabled sessions that still count (not cancelled)."""
    return RetreatSession.objects.filter(enrollment=enrollment).exclude(
        session__status=SessionStatus.CANCELLED
    )


def retreat_enrollments_to_price(*, patient):
    """The patient's retreat places with no package yet (what the ledger offers to price)."""

    priced = Package.objects.filter(
        patient_id=OuterRef("patient_id"), retreat_id=OuterRef("retreat_id")
    )
    return (
        Enrollment.objects.filter(patient=patient, status=EnrollmentStatus.ENROLLED)
        .filter(~Exists(priced))
        .select_related("retreat")
        .order_by("retreat__starts_on")
    )


def payment_list(*, user) -> QuerySet[Payment]:
    return (
        Payment.objects.visible_to(user).select_related("patient").prefetch_related("allocations")
    )


def superbill_list(*, user) -> QuerySet[Superbill]:
    return Superbill.objects.visible_to(user).select_related("patient", "replaces")


def superbill_get(*, user, pk) -> Superbill:
    """One superbill `user` may see, or Superbill.DoesNotExist (answered as 404)."""
    return superbill_list(user=user).get(pk=pk)


def patient_ledger(*, patient) -> dict:
    """A patient's account: charges (with what was applied), payments, plans, superbills
    and the balance."""
    charges = (
        Charge.objects.filter(patient=patient)
        .select_related("rendering_provider__user", "package")
        .order_by("-date_of_service", "-id")
    )
    applied = {c.pk: money(c.applied) for c in charges_with_open_balance(patient_id=patient.pk)}
    rows = []
    for charge in charges:
        rows.append({"charge": charge, "applied": applied.get(charge.pk)})
    plans = PaymentPlan.objects.filter(patient=patient).prefetch_related(Prefetch("instalments"))
    packages = with_usage(Package.objects.filter(patient=patient).select_related("retreat"))
    return {
        "packages": packages,
        "sliding_scale": SlidingScale.objects.filter(patient=patient).first(),
        "charges": rows,
        "payments": Payment.objects.filter(patient=patient).order_by("-received_on", "-id"),
        "plans": plans,
        "superbills": Superbill.objects.filter(patient=patient).select_related("replaces"),
        "balance": patient_balance(patient_id=patient.pk),
    }


# ---------------------------------------------------------------- balances


def amount_sum(qs, field="amount") -> Decimal:
    """The sum of `field` over `qs`, to the cent (zero for none)."""
    return money(qs.aggregate(s=Sum(field))["s"] or ZERO)


def _applied_subquery(outer: str, filter_field: str):
    return Coalesce(
        Subquery(
            PaymentAllocation.objects.filter(**{filter_field: OuterRef(outer)})
            .values(filter_field)
            .annotate(s=Sum("amount"))
            .values("s")
        ),
        Value(ZERO),
        output_field=DecimalField(max_digits=10, decimal_places=2),
    )


def charges_with_open_balance(*, patient_id) -> QuerySet[Charge]:
    """Approved charges with what has been applied to each (`applied`), oldest first."""
    return (
        Charge.objects.filter(patient_id=patient_id, status=ChargeStatus.APPROVED)
        .annotate(applied=_applied_subquery("pk", "charge_id"))
        .order_by("date_of_service", "id")
    )


def payments_with_credit(*, patient_id) -> QuerySet[Payment]:
    """Payments with the part already applied to charges (`applied`), oldest first."""
    return (
        Payment.objects.filter(patient_id=patient_id)
        .annotate(applied=_applied_subquery("pk", "payment_id"))
        .order_by("received_on", "id")
    )


def patient_balance(*, patient_id) -> dict:
    """Charged (approved), paid (applied), balance owed, and unapplied credit."""
    charged = amount_sum(Charge.objects.filter(patient_id=patient_id, status=ChargeStatus.APPROVED))
    paid = amount_sum(
        PaymentAllocation.objects.filter(
            charge__patient_id=patient_id, charge__status=ChargeStatus.APPROVED
        )
    )
    # Payments and their refunds in one read.
    totals = Payment.objects.filter(patient_id=patient_id).aggregate(
        amount=Sum("amount"), refunded=Sum("refunded")
    )
    received = money(totals["amount"] or ZERO) - money(totals["refunded"] or ZERO)
    applied = amount_sum(PaymentAllocation.objects.filter(payment__patient_id=patient_id))
    return {
        "charged": charged,
        "paid": paid,
        "balance": charged - paid,
        "credit": received - applied,
    }


def instalment_paid(instalment: Instalment) -> Decimal:
    return amount_sum(instalment.payments.all())


# ---------------------------------------------------------------- superbills


def billable_charges(*, patient_id, period_start=None, period_end=None, charge_ids=None):
    """Approved charges not on a live superbill, by period or by id, oldest first."""
    on_live = SuperbillLine.objects.filter(charge=OuterRef("pk"), is_active=True)
    qs = (
        Charge.objects.filter(patient_id=patient_id, status=ChargeStatus.APPROVED)
        .filter(~Exists(on_live))
        .select_related("rendering_provider__user", "session")
        .order_by("date_of_service", "session__starts_at", "id")
    )
    if charge_ids is not None:
        qs = qs.filter(pk__in=charge_ids)
    if period_start is not None:
        qs = qs.filter(date_of_service__gte=period_start)
    if period_end is not None:
        qs = qs.filter(date_of_service__lte=period_end)
    return qs


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of `month`'s calendar month."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def patients_with_paid_charges(*, clinic_id, month: datetime.date) -> QuerySet[Patient]:
    """Patients with an approved charge in the month that has a payment applied to it."""
    first, last = month_bounds(month)
    paid = PaymentAllocation.objects.filter(
        charge__patient=OuterRef("pk"),
        charge__status=ChargeStatus.APPROVED,
        charge__date_of_service__gte=first,
        charge__date_of_service__lte=last,
    )
    return Patient.objects.filter(clinic_id=clinic_id).filter(Exists(paid)).order_by("pk")


@dataclass(frozen=True)
class RunProgress:
    """How far a month-end run is: `done` of `total` patients (total None until the worker
    starts), and what it made, refused (with the reasons) and found nothing to bill for."""

    run: BulkIssueRun
    done: int
    total: int | None
    issued: list[BulkIssueItem]
    refused: list[BulkIssueItem]
    nothing: list[BulkIssueItem]

    # What the shared progress block (backend's progress.html) says while the run works.
    unit = "patients done"
    stage = ""

    @property
    def is_done(self) -> bool:
        return self.run.is_done

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.run.is_done else 0
        return min(100, round(100 * self.done / self.total))


def bulk_run_progress(*, user, pk) -> RunProgress:
    """One run `user` may see with its items (2 queries), or BulkIssueRun.DoesNotExist."""
    run = BulkIssueRun.objects.visible_to(user).select_related("clinic").get(pk=pk)
    items = list(run.items.select_related("patient", "superbill").order_by("created_at", "pk"))
    by = {outcome: [i for i in items if i.outcome == outcome] for outcome in BulkItemOutcome}
    return RunProgress(
        run=run,
        done=len(items),
        total=run.total,
        issued=by[BulkItemOutcome.ISSUED],
        refused=by[BulkItemOutcome.REFUSED],
        nothing=by[BulkItemOutcome.NOTHING],
    )


# ---------------------------------------------------------------- cards


def patient_cards(*, patient) -> dict:
    """A patient's saved cards (not removed) and newest card payments, with what each
    payment's refunds were."""
    return {
        "saved_cards": list(SavedCard.objects.filter(patient=patient, removed_at__isnull=True)),
        "card_payments": list(
            CardPayment.objects.filter(patient=patient)
            .exclude(kind="setup")
            .select_related("payment", "card")[:20]
        ),
    }


# The No Surprises Act lets a patient dispute a bill at least this much over the estimate.
DISPUTE_THRESHOLD = Decimal("400.00")


def _billed_for_estimate():
    """Approved charges of the estimate's plan's sessions from its first day on (a subquery
    over `GoodFaithEstimate`)."""
    return Coalesce(
        Subquery(
            Charge.objects.filter(
                session__plan_id=OuterRef("plan_id"),
                status=ChargeStatus.APPROVED,
                date_of_service__gte=OuterRef("period_start"),
            )
            .order_by()
            .values("session__plan_id")
            .annotate(s=Sum("amount"))
            .values("s")
        ),
        Value(ZERO),
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )


def estimate_billed(*, estimate: GoodFaithEstimate) -> Decimal:
    """Approved charges of the estimate's plan's sessions from its first day on."""
    total = Charge.objects.filter(
        session__plan_id=estimate.plan_id,
        status=ChargeStatus.APPROVED,
        date_of_service__gte=estimate.period_start,
    ).aggregate(s=Sum("amount"))["s"]
    return money(total or 0)


@dataclass(frozen=True)
class EstimateOverrun:
    """Billed charges of one plan against that plan's current Good Faith Estimate."""

    estimate: GoodFaithEstimate
    billed: Decimal
    over: Decimal
    may_dispute: bool


def estimate_overrun(*, patient_id) -> list[EstimateOverrun]:
    """Per plan with a current estimate: the approved charges of that plan's sessions from
    the estimate's first day on, against that estimate's total; `may_dispute` when $400 or
    more over (the No Surprises Act threshold). One query for every plan."""
    out = []
    estimates = (
        GoodFaithEstimate.objects.filter(patient_id=patient_id, superseded_by__isnull=True)
        .select_related("plan")
        .annotate(billed=_billed_for_estimate())
        .order_by("plan_id")
    )
    for estimate in estimates:
        billed = money(estimate.billed)
        over = billed - estimate.total
        out.append(EstimateOverrun(estimate, billed, over, over >= DISPUTE_THRESHOLD))
    return out


def self_pay_q(patient: str = "") -> Q:
    """Self-pay for the No Surprises Act, as a filter: no insurance on the record, or an
    estimate was already issued because the insured patient asked not to bill the insurance.
    `patient` is the path to the patient from the filtered model ("" on Patient itself)."""
    prefix = f"{patient}__" if patient else ""
    asked = GoodFaithEstimate.objects.filter(
        patient_id=OuterRef(f"{patient}_id" if patient else "pk"), self_pay_requested=True
    )
    return Q(**{f"{prefix}insurance_payer": ""}) | Exists(asked)


def patient_is_self_pay(*, patient) -> bool:
    """Whether `patient` is self-pay (`self_pay_q`); no query for an uninsured patient."""
    if not patient.insurance_payer:
        return True
    return Patient.objects.filter(pk=patient.pk).filter(self_pay_q()).exists()


# A self-pay patient's session starting within this many days needs a current estimate. The
# rule's timing is 3 business days before services scheduled 10+ business days ahead and 1
# business day before services scheduled 3+ days ahead; flagging every session within 3
# calendar days without one covers both without counting business days.
ESTIMATE_BEFORE_DAYS = 3


def sessions_without_estimate(*, clinic_id, now: datetime.datetime | None = None):
    """Scheduled sessions of self-pay patients starting within ESTIMATE_BEFORE_DAYS whose
    plan (or, for a session without one, the patient) has no current Good Faith Estimate."""
    now = now or timezone.now()
    current = GoodFaithEstimate.objects.filter(superseded_by__isnull=True)
    return (
        Session.objects.filter(
            clinic_id=clinic_id,
            status=SessionStatus.SCHEDULED,
            starts_at__gte=now,
            starts_at__lt=now + datetime.timedelta(days=ESTIMATE_BEFORE_DAYS),
        )
        .filter(self_pay_q("patient"))
        .exclude(
            Q(plan__isnull=False) & Exists(current.filter(plan_id=OuterRef("plan_id")))
            | Q(plan__isnull=True) & Exists(current.filter(patient_id=OuterRef("patient_id")))
        )
        .select_related("patient")
        .order_by("starts_at", "id")
    )


def estimates_due_list(*, clinic_id) -> QuerySet[EstimateDue]:
    """Plans whose estimate could not be issued automatically, oldest first."""
    return EstimateDue.objects.filter(clinic_id=clinic_id).select_related("patient", "plan")


def estimate_list(*, user) -> QuerySet[GoodFaithEstimate]:
    return GoodFaithEstimate.objects.visible_to(user).select_related("patient", "plan", "clinic")


def claim_list(*, user) -> QuerySet[Claim]:
    return Claim.objects.visible_to(user).select_related("patient")


def claim_page_list(*, user, status: str = "") -> QuerySet[Claim]:
    """The claims list page: newest first, optionally one status, with the patient."""
    qs = claim_list(user=user).order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


def claim_get(*, user, pk) -> Claim:
    """One claim `user` may see, with its lines' charges, or Claim.DoesNotExist (404)."""
    return (
        claim_list(user=user)
        .select_related("clinic", "batch")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ClaimLine.objects.select_related(
                    "charge__rendering_provider__user"
                ).order_by("position"),
            )
        )
        .get(pk=pk)
    )


def claimable_charges(*, patient_id) -> QuerySet[Charge]:
    """A patient's open charges for a claim: approved and on no claim yet, oldest first."""
    return (
        Charge.objects.filter(patient_id=patient_id, status=ChargeStatus.APPROVED)
        .filter(~Exists(ClaimLine.objects.filter(charge=OuterRef("pk"))))
        .order_by("date_of_service", "id")
    )


@dataclass(frozen=True)
class RemittanceSummary:
    """What an imported 835 did: per claim the status it took and what was paid, counted
    by outcome, and the insurance payments it posted."""

    remittance: Remittance
    rows: list  # (claim, status, paid)
    counts: dict  # status -> number of claims
    payments: list


def remittance_summary(*, user, pk) -> RemittanceSummary:
    """The outcome of one 835 the user's clinic imported, as recorded when it was posted
    (Remittance.DoesNotExist: answered 404)."""
    remittance = Remittance.objects.visible_to(user).get(pk=pk)
    outcomes = remittance.outcomes
    claims = {
        c.control_number: c
        for c in Claim.objects.filter(
            clinic_id=remittance.clinic_id, control_number__in=[o["claim"] for o in outcomes]
        ).select_related("patient")
    }
    rows = [(claims[o["claim"]], ClaimStatus(o["status"]), Decimal(o["paid"])) for o in outcomes]
    counts = dict.fromkeys(ClaimStatus.values, 0)
    for _, status, _ in rows:
        counts[status] += 1
    payments = list(
        Payment.objects.filter(
            pk__in=[o["payment"] for o in outcomes if o["payment"]]
        ).select_related("patient")
    )
    return RemittanceSummary(remittance, rows, counts, payments)


def claim_history(*, claim: Claim) -> list[dict]:
    """The claim's history, oldest first, each entry's time as a datetime (shown in the
    clinic's zone by the page)."""
    return [
        {**entry, "at": datetime.datetime.fromisoformat(entry["at"])} for entry in claim.history
    ]


def patient_estimates(*, patient_id) -> QuerySet[GoodFaithEstimate]:
    """Every version of the patient's Good Faith Estimates, newest first, with the plan."""
    return (
        GoodFaithEstimate.objects.filter(patient_id=patient_id)
        .select_related("plan")
        .order_by("-issued_at", "-id")
    )


def patient_claims(*, patient_id) -> QuerySet[Claim]:
    """The patient's claims, newest first."""
    return Claim.objects.filter(patient_id=patient_id).order_by("-created_at", "-id")


def claim_counts(*, user) -> dict[str, int]:
    """How many of the clinic's claims are in each status (one query)."""
    counts = dict.fromkeys(ClaimStatus.values, 0)
    for row in claim_list(user=user).order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts
