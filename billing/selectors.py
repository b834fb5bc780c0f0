"""Reads of billing data, scoped to who is asking, with their joins done once here."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from backend.roles import actor_for
from billing.choices import ChargeStatus
from billing.models import Charge, Package, Payment, PaymentPlan, SlidingScale, Superbill
from billing.services.charges import sessions_awaiting_charges
from billing.services.payments import patient_balance


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


def retreat_enrollments_to_price(*, patient):
    """The patient's retreat places with no package yet (what the ledger offers to price)."""
    from scheduling.choices import EnrollmentStatus
    from scheduling.models import Enrollment

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
    from billing.services.charges import money
    from billing.services.payments import charges_with_open_balance

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
