"""Good Faith Estimates (No Surprises Act) for self-pay and uninsured patients.

Built from the treatment plan with the clinic's own prices: the intake evaluation, the
preparation session, the induction's dosing sessions (coded per route exactly as charges are
suggested, `suggest_codes`), an integration session after each dose, and the retreat
package's price when the patient is enrolled in one. Issued at scheduling and before the
first session; issuing again for the plan supersedes the previous version.
"""

import datetime
import hashlib
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from backend.pdf import render_pdf
from billing.errors import EstimateRefused, SuperbillTampered
from billing.models import EstimateDue, GoodFaithEstimate, Package, ServiceCode
from billing.money import ZERO, money
from billing.notifications import notify_estimate_ready
from billing.selectors import DISPUTE_THRESHOLD
from billing.services.charges import suggest_codes
from practice.choices import SessionKind
from practice.esketamine import is_esketamine
from practice.models import Session, TreatmentPlan
from scheduling.choices import EnrollmentStatus
from scheduling.models import Enrollment

TEMPLATE = "billing/estimate_pdf.html"
# Minutes assumed for estimating: a dosing session with its monitoring, a therapy hour.
DOSING_MINUTES = 120
THERAPY_MINUTES = 60
DISCLAIMER = (
    "This Good Faith Estimate shows the costs of items and services that are reasonably "
    "expected for your health care needs for an item or service. The estimate is based on "
    "information known at the time the estimate was created. The Good Faith Estimate does not "
    "include any unknown or unexpected costs that may arise during treatment. You could be "
    "charged more if complications or special circumstances occur. If this happens, federal "
    "law allows you to dispute (appeal) the bill. The Good Faith Estimate is not a contract "
    "and does not require you to obtain the items or services from any of the providers or "
    "facilities identified."
)
DISPUTE_TEXT = (
    "If you are billed for more than this Good Faith Estimate, you have the right to dispute "
    "the bill. You may contact the health care provider or facility listed to let them know "
    "the billed charges are higher than the Good Faith Estimate. You can ask them to update "
    "the bill to match the Good Faith Estimate, ask to negotiate the bill, or ask if there is "
    "financial assistance available. You may also start a dispute resolution process with the "
    "U.S. Department of Health and Human Services (HHS). If you choose to use the dispute "
    "resolution process, you must start the dispute process within 120 calendar days (about "
    "4 months) of the date on the original bill. There is a $25 fee to use the dispute "
    "process. If the agency reviewing your dispute agrees with you, you will have to pay the "
    "price on this Good Faith Estimate. If the agency disagrees with you and agrees with the "
    "health care provider or facility, you will have to pay the higher amount. You may "
    "dispute a bill that is at least $400 more than this Good Faith Estimate. To learn more "
    "and get a form to start the process, go to www.cms.gov/nosurprises or call "
    "1-800-985-3059. Keep a copy of this Good Faith Estimate in a safe place or take "
    "pictures of it. You may need it if you are billed a higher amount."
)


def _dosing_codes(plan: TreatmentPlan) -> list[tuple[str, int]]:
    """The codes of one induction dose by the plan's route, as a charge would be suggested."""
    if is_esketamine(plan.route):
        # suggest_codes reads esketamine's code from the dose given; estimate it from the
        # plan's fixed dose.
        from billing.services.charges import ESKETAMINE_G2082_UP_TO_MG

        dose = plan.starting_dose_mg or Decimal("56")
        return [("G2083" if dose > ESKETAMINE_G2082_UP_TO_MG else "G2082", 1)]
    session = Session(kind=SessionKind.DOSING, plan=plan, patient=plan.patient)
    return [(s.code, s.units) for s in suggest_codes(session, minutes=DOSING_MINUTES)]


def estimate_items(*, plan: TreatmentPlan) -> tuple[list[dict], list[str]]:
    """The estimate's rows and what stops it (codes the clinic has no price for)."""
    doses = plan.induction_target_sessions
    wanted: list[tuple[str, int, str]] = [
        ("90791", 1, "Intake: psychiatric diagnostic evaluation"),
        ("90837", 1, "Preparation session (60 minutes)"),
    ]
    for code, units in _dosing_codes(plan):
        wanted.append((code, units * doses, f"Induction dosing sessions ({doses})"))
    wanted.append(("90837", doses, f"Integration sessions after each dose ({doses})"))
    fees = {
        c.code: c
        for c in ServiceCode.objects.filter(
            clinic_id=plan.clinic_id, code__in={w[0] for w in wanted}, is_active=True
        )
    }
    rows, missing = [], []
    for code, quantity, why in wanted:
        service = fees.get(code)
        if service is None:
            missing.append(f"the clinic has no active price for {code}")
            continue
        rows.append(
            {
                "code": code,
                "description": f"{service.description} — {why}",
                "quantity": quantity,
                "unit_price": str(money(service.fee)),
                "total": str(money(service.fee * quantity)),
            }
        )
    enrollments = Enrollment.objects.filter(
        patient_id=plan.patient_id, status=EnrollmentStatus.ENROLLED
    ).select_related("retreat")
    for enrollment in enrollments:
        retreat = enrollment.retreat
        package = Package.objects.filter(patient_id=plan.patient_id, retreat_id=retreat.pk).first()
        price = money(package.price if package else retreat.price)
        rows.append(
            {
                "code": "",
                "description": f"Retreat package: {retreat.name}",
                "quantity": 1,
                "unit_price": str(price),
                "total": str(price),
            }
        )
    return rows, missing


def estimate_missing(*, plan: TreatmentPlan, self_pay: bool) -> list[str]:
    """Every reason the estimate cannot be issued, as sentences an admin can act on."""
    patient, clinic = plan.patient, plan.clinic
    missing = []
    if patient.insurance_payer and not self_pay:
        missing.append(
            f"{patient.full_name} has insurance ({patient.insurance_payer}): a Good Faith "
            "Estimate is for self-pay or uninsured patients (mark it self-pay if the patient "
            "asked not to bill the insurance)"
        )
    if not clinic.npi:
        missing.append("the practice has no organisation NPI")
    if not clinic.tax_id:
        missing.append("the practice has no tax ID (EIN)")
    if not clinic.address_line1 or not clinic.city:
        missing.append("the practice has no physical address")
    return missing


@transaction.atomic
def estimate_issue(
    *, plan: TreatmentPlan, issued_by=None, self_pay: bool = False
) -> GoodFaithEstimate:
    """Issue (or re-issue) the plan's Good Faith Estimate.

    Refused with every missing item (EstimateRefused), nothing created, when the patient is
    insured and not self-pay, the practice's identity is incomplete or a price is missing.
    A new version supersedes the plan's current one; the plan's "estimate due" note is
    cleared and the patient is told through the outbox that a document waits in the portal
    (no amounts). Also issued automatically at booking (`billing.services.estimates_auto`)."""
    plan = (
        TreatmentPlan.objects.select_for_update(of=("self",))
        .select_related("patient", "clinic")
        .get(pk=plan.pk)
    )
    missing = estimate_missing(plan=plan, self_pay=self_pay)
    rows, unpriced = estimate_items(plan=plan)
    missing += unpriced
    if missing:
        raise EstimateRefused(missing)
    clinic, patient = plan.clinic, plan.patient
    previous = GoodFaithEstimate.objects.filter(plan=plan, superseded_by__isnull=True).first()
    version = (
        GoodFaithEstimate.objects.filter(plan=plan)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
        or 0
    ) + 1
    now = timezone.now()
    issued_on = timezone.localtime(now, clinic.zone).date()
    period_end = issued_on + datetime.timedelta(weeks=plan.induction_weeks)
    diagnoses = list(plan.diagnoses.order_by("rank")) or list(patient.diagnoses.order_by("rank"))
    total = sum((Decimal(r["total"]) for r in rows), ZERO)
    providers = sorted(
        {(s.display_name, s.npi, s.credentials) for s in clinic_staff(clinic_id=clinic.pk)}
    )
    context = {
        "clinic": clinic,
        "patient": patient,
        "plan": plan,
        "version": version,
        "issued_on": issued_on,
        "period_start": issued_on,
        "period_end": period_end,
        "rows": rows,
        "total": total,
        "diagnoses": diagnoses,
        "providers": providers,
        "disclaimer": DISCLAIMER,
        "dispute_text": DISPUTE_TEXT,
        "threshold": DISPUTE_THRESHOLD,
    }
    pdf = render_pdf(TEMPLATE, context)
    name = default_storage.save(
        f"estimates/{clinic.pk}/{issued_on.year}/gfe-{plan.pk}-v{version}.pdf", ContentFile(pdf)
    )
    try:
        estimate = GoodFaithEstimate(
            clinic=clinic,
            patient=patient,
            plan=plan,
            version=version,
            issued_at=now,
            issued_by=issued_by,
            period_start=issued_on,
            period_end=period_end,
            items=rows,
            diagnosis_codes=[d.code for d in diagnoses],
            total=total,
            self_pay_requested=bool(self_pay and patient.insurance_payer),
            pdf=name,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        )
        estimate.full_clean()
        estimate.save()
        if previous is not None:
            previous.superseded_by = estimate
            previous.save(update_fields=["superseded_by"])
        # Issued: the plan's estimate is no longer due, and the patient is told (no amounts).
        EstimateDue.objects.filter(plan=plan).delete()
        notify_estimate_ready(estimate=estimate)
    except BaseException:
        default_storage.delete(name)
        raise
    return estimate


def clinic_staff(*, clinic_id):
    """The clinicians who may provide the estimated services (named on the estimate)."""
    from practice.choices import StaffRole
    from practice.models import StaffMember

    return StaffMember.objects.filter(
        clinic_id=clinic_id, role__in=[StaffRole.THERAPIST, StaffRole.MEDICAL], is_active=True
    ).select_related("user")


def estimate_pdf_bytes(*, estimate: GoodFaithEstimate) -> bytes:
    """The stored PDF, after checking it is byte for byte what was issued."""
    with default_storage.open(estimate.pdf.name, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != estimate.pdf_sha256:
        raise SuperbillTampered(
            "The stored Good Faith Estimate does not match what was issued; the clinic has "
            "been alerted."
        )
    return data
