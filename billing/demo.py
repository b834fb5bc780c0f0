"""Demo billing: the service-code catalogue, charges for last month's completed sessions,
payments (one patient with a balance, one on a payment plan, one sliding-scale patient
with a prepaid package) and issued superbills for the patients with portal logins.

Also a card payment recorded as Stripe's test mode would have recorded it (no network), a
current Good Faith Estimate for the self-pay patient (Theo, no insurance) and an insurance
claim in submitted status (Ruth).

Idempotent: it only adds what is missing. It bills the completed sessions the clinical
demo created; a patient with no completed session last month gets a few, so the superbill
always has lines to show.
"""

import datetime
from decimal import Decimal

from billing.choices import CardPaymentKind, CardPaymentStatus, ChargeStatus, ClaimStatus
from billing.models import (
    CardPayment,
    Charge,
    Claim,
    GoodFaithEstimate,
    Package,
    Payment,
    PaymentPlan,
    Superbill,
)
from billing.selectors import month_bounds, patient_balance
from billing.services.catalogue import (
    package_create,
    retreat_package_for,
    service_codes_seed,
    sliding_scale_set,
)
from billing.services.charges import charge_approve, charge_create, charges_suggest_pending
from billing.services.claims import claim_create, claim_set_status
from billing.services.estimates import estimate_issue
from billing.services.payments import payment_plan_create, payment_record
from billing.services.superbills import superbill_issue
from practice import services as practice_services
from practice.choices import Route, SessionStatus
from practice.models import Session, TreatmentPlan
from scheduling.choices import EnrollmentStatus
from scheduling.models import Enrollment

# patient key → sessions to create when the patient had none last month:
# (day of month, kind, clinician key, minutes)
FALLBACK_SESSIONS = {
    "eleanor": [
        (6, "preparation", "therapist", 60),
        (13, "integration", "therapist", 55),
        (20, "integration", "therapist", 47),
    ],
    "marcus": [(8, "integration", "therapist", 55), (22, "integration", "therapist", 50)],
    "ruth": [(9, "integration", "therapist", 53)],
}


def _last_month(clinic) -> tuple[datetime.date, datetime.date]:
    today = clinic.today()
    return month_bounds(today.replace(day=1) - datetime.timedelta(days=1))


def _ensure_sessions(clinic, patient, staff, plan, first, last):
    tz = clinic.zone
    done = Session.objects.filter(
        patient=patient,
        status=SessionStatus.COMPLETED,
        starts_at__date__gte=first,
        starts_at__date__lte=last,
    )
    if done.exists():
        return
    for day, kind, clinician, minutes in plan:
        starts_at = datetime.datetime.combine(first.replace(day=day), datetime.time(10), tz)
        ends_at = starts_at + datetime.timedelta(minutes=minutes)
        session = Session(
            clinic=clinic,
            patient=patient,
            kind=kind,
            clinician=staff[clinician],
            starts_at=starts_at,
            ends_at=ends_at,
            status=SessionStatus.COMPLETED,
            checked_in_at=starts_at,
            completed_at=ends_at,
        )
        session.full_clean()
        session.save()


def _retreat_places(clinic):

    return list(
        Enrollment.objects.filter(
            clinic=clinic, status=EnrollmentStatus.ENROLLED, timetable__isnull=False
        )
        .distinct()
        .order_by("retreat__starts_on", "created_at", "pk")
    )


def seed(ctx: dict) -> dict:
    ctx = _seed_billing(ctx)
    _estimate_for_self_pay(ctx)
    _submitted_claim(ctx)
    return ctx


def _card_payment(patient, *, amount: Decimal, on: datetime.date) -> CardPayment:
    """A portal card payment as Stripe's test mode would have settled it through the webhook
    (test-mode Checkout session and payment intent ids), without the network."""
    intent = f"pi_test_demo{patient.pk:06d}"
    payment = payment_record(
        patient=patient,
        method="card",
        amount=amount,
        received_on=on,
        reference=intent,
        note=CardPaymentKind.PORTAL.label,
        stripe_payment_intent=intent,
    )
    return CardPayment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        kind=CardPaymentKind.PORTAL,
        status=CardPaymentStatus.SUCCEEDED,
        amount=amount,
        checkout_session_id=f"cs_test_demo{patient.pk:06d}",
        payment_intent_id=intent,
        payment=payment,
    )


def _estimate_for_self_pay(ctx: dict) -> None:
    """Theo has no insurance: his induction plan (a draft) has its Good Faith Estimate."""
    theo, staff = ctx["patients"]["theo"], ctx["staff"]
    plan = TreatmentPlan.objects.filter(patient=theo).order_by("id").first()
    if plan is None:
        plan = practice_services.plan_create(
            patient=theo,
            by=staff["medical"],
            route=Route.INTRAMUSCULAR,
            starting_dose_mg_per_kg=Decimal("0.500"),
            diagnoses=list(theo.diagnoses.all()),
            goals="Sleep through the night; return to work full time.",
        )
    if not GoodFaithEstimate.objects.filter(plan=plan, superseded_by__isnull=True).exists():
        estimate_issue(plan=plan, issued_by=staff["admin"])
    ctx["estimate_plan"] = plan


def _submitted_claim(ctx: dict) -> None:
    """Ruth's insurer is billed directly: a claim for her approved charges, submitted."""
    ruth, admin = ctx["patients"]["ruth"], ctx["staff"]["admin"]
    if Claim.objects.filter(patient=ruth).exists():
        return
    charges = list(
        Charge.objects.filter(patient=ruth, status=ChargeStatus.APPROVED).values_list(
            "pk", flat=True
        )
    )
    claim = claim_create(patient=ruth, charge_ids=charges, payer_id="87726", created_by=admin)
    claim_set_status(claim=claim, status=ClaimStatus.SUBMITTED, note="Sent to the clearinghouse")


def _seed_billing(ctx: dict) -> dict:
    clinic, staff, patients = ctx["clinic"], ctx["staff"], ctx["patients"]
    admin = staff["admin"]
    service_codes_seed(clinic=clinic)
    first, last = _last_month(clinic)
    eleanor, marcus, ruth, hannah = (patients[k] for k in ("eleanor", "marcus", "ruth", "hannah"))

    # Hannah: sliding scale and a prepaid induction course, paid up front.
    if not Package.objects.filter(patient=hannah).exists():
        sliding_scale_set(patient=hannah, percent=Decimal("25"), reason="Income-based")
        package_create(
            patient=hannah,
            name="Induction course (6 dosing sessions)",
            price=Decimal("2400.00"),
            sessions_included=6,
            session_kind="dosing",
            created_by=admin,
        )
        payment_record(
            patient=hannah,
            method="bank_transfer",
            amount=Decimal("2400.00"),
            received_on=first,
            reference="Induction package",
            recorded_by=admin,
        )

    # The upcoming retreat priced as one package for its first two enrolled patients.
    for enrollment in _retreat_places(clinic)[:2]:
        retreat_package_for(enrollment)

    if Superbill.objects.filter(patient=eleanor, period_start=first).exists():
        ctx["billing_period"] = (first, last)
        return ctx

    for key, plan in FALLBACK_SESSIONS.items():
        _ensure_sessions(clinic, patients[key], staff, plan, first, last)
    charges_suggest_pending(clinic_id=clinic.pk)
    for charge in Charge.objects.filter(clinic=clinic, status=ChargeStatus.SUGGESTED):
        if charge.diagnosis_pointers:
            charge_approve(charge=charge, approved_by=admin)
    # A medical follow-up with psychotherapy add-on (billed with its E/M visit).
    visit_day = first.replace(day=15)
    if not Charge.objects.filter(patient=eleanor, code="99214").exists():
        for code, modifiers in (("99214", ["25"]), ("90833", [])):
            charge_create(
                patient=eleanor,
                code=code,
                modifiers=modifiers,
                date_of_service=visit_day,
                rendering_provider=staff["medical"],
                diagnosis_pointers=[1, 2],
                approved_by=admin,
            )

    # Eleanor pays in full by card; Ruth part by check (a balance); Marcus on a plan.
    if not Payment.objects.filter(patient=eleanor).exists():
        owed = patient_balance(patient_id=eleanor.pk)["balance"]
        _card_payment(eleanor, amount=owed, on=last)
    if not Payment.objects.filter(patient=ruth).exists():
        payment_record(
            patient=ruth,
            method="check",
            amount=Decimal("100.00"),
            received_on=last,
            reference="Check 1187",
            recorded_by=admin,
        )
    if not PaymentPlan.objects.filter(patient=marcus).exists():
        owed = patient_balance(patient_id=marcus.pk)["balance"]
        if owed > 0:
            plan = payment_plan_create(
                patient=marcus,
                total=owed,
                instalments=3,
                first_due_on=last,
                created_by=admin,
                note="Agreed at intake",
            )
            payment_record(
                patient=marcus,
                method="card",
                amount=plan.instalments.get(sequence=1).amount,
                received_on=last,
                reference="Instalment 1",
                instalment=plan.instalments.get(sequence=1),
                recorded_by=admin,
            )

    # Superbills for last month for the patients with portal logins.
    for patient in (eleanor, marcus):
        if patient.user_id:
            superbill_issue(patient=patient, period_start=first, period_end=last, issued_by=admin)
    ctx["billing_period"] = (first, last)
    return ctx
