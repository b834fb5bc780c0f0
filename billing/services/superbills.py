"""Superbills: issued for a patient and a period (or chosen charges), numbered gapless per
clinic, stored as a PDF with its SHA-256, never changed; corrected by void and reissue."""

import base64
import datetime
import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from backend.pdf import render_pdf
from billing.choices import BulkItemOutcome, BulkRunStatus, PaymentMethod, SuperbillStatus
from billing.errors import InvalidCharge, SuperbillImmutable, SuperbillIncomplete, SuperbillTampered
from billing.models import (
    BulkIssueItem,
    BulkIssueRun,
    Charge,
    PaymentAllocation,
    Superbill,
    SuperbillCounter,
    SuperbillLine,
)
from billing.money import ZERO, money
from billing.notifications import notify_superbill_issued
from billing.requirements import (
    diagnoses_missing,
    insured_is_another,
    lines_missing,
    organisation_missing,
    providers_missing,
    rendering_providers,
)
from billing.selectors import billable_charges, month_bounds, patients_with_paid_charges
from billing.validators import pointer_letter
from practice.models import Clinic, Diagnosis, Patient
from practice.selectors import provider_signatures_current

log = logging.getLogger(__name__)
TEMPLATE = "billing/superbill_pdf.html"


def superbill_missing(
    *, clinic: Clinic, patient: Patient, charges: list[Charge], diagnoses
) -> list[str]:
    """Everything an insurer needs that is missing or invalid, as sentences an admin can act
    on. Empty when the superbill can be issued. The checks a claim shares are
    `billing.requirements`'; a superbill adds the practice's phone, the patient's address and
    each provider's signature."""
    missing: list[str] = []
    if not charges:
        missing.append("no approved, unbilled charges in this period")
    missing += organisation_missing(clinic, who="the practice")
    if not clinic.address_line1 or not clinic.city:
        missing.append("the practice has no physical address")
    if not clinic.phone:
        missing.append("the practice has no phone number")
    if not patient.address_line1 or not patient.city:
        missing.append(f"no address for {patient.full_name}")
    if not patient.insurance_payer:
        missing.append(f"no insurance payer for {patient.full_name}")
    if not patient.insurance_member_id:
        missing.append(f"no insurance member ID for {patient.full_name}")
    if insured_is_another(patient) and not patient.insured_name.strip():
        missing.append(
            f"no insured's name for {patient.full_name} (the patient is not the policy holder)"
        )
    missing += diagnoses_missing(patient, diagnoses, at_most="a superbill letters at most A–L")
    missing += lines_missing(charges, diagnoses)
    providers = rendering_providers(charges)
    signed = provider_signatures_current(staff_member_ids=providers)
    missing += [
        f"no signature on file for {p.display_name}"
        for p in providers.values()
        if p.pk not in signed
    ]
    missing += providers_missing(providers.values())
    return missing


def superbill_context(
    *,
    clinic,
    patient,
    charges,
    diagnoses,
    number: str,
    issued_on: datetime.date,
    period_start,
    period_end,
    paid_by_charge: dict,
    payments: list | tuple = (),
    replaces: str = "",
    signature_pngs: dict | None = None,
) -> dict:
    """Everything the PDF template prints, computed once (also used by the benchmark).
    `signature_pngs` holds each signing provider's PNG by staff id."""
    letters = {d.rank: pointer_letter(i) for i, d in enumerate(diagnoses, start=1)}
    providers: dict = {}
    lines = []
    for charge in charges:
        provider = charge.rendering_provider
        providers.setdefault(provider.pk, provider)
        lines.append(
            {
                "date": charge.date_of_service,
                "pos": charge.place_of_service,
                "code": charge.code,
                "modifiers": " ".join(charge.modifiers),
                "description": charge.description,
                "note": charge.note,
                "pointer": "".join(letters.get(p, "?") for p in charge.diagnosis_pointers),
                "units": charge.units,
                "fee": charge.amount,
                "provider_npi": provider.npi,
                "ndc_line": charge.ndc_line,
                "dose_mg": charge.drug_dose_mg,
            }
        )
    charged = sum((c.amount for c in charges), ZERO)
    paid = sum((paid_by_charge.get(c.pk, ZERO) for c in charges), ZERO)
    # Each provider's signature goes inline (a data URL the PDF renderer decodes, never
    # fetches), signed and dated with the issue date.
    signed = signature_pngs or {}
    signatures = [
        {
            "provider": provider,
            "image": (
                "data:image/png;base64," + base64.b64encode(bytes(signed[pk])).decode()
                if pk in signed
                else ""
            ),
        }
        for pk, provider in providers.items()
    ]
    insured = None
    if insured_is_another(patient):
        insured = {
            "name": patient.insured_name,
            "date_of_birth": patient.insured_date_of_birth,
            "relationship": patient.get_insured_relationship_display(),
        }
    return {
        "clinic": clinic,
        "patient": patient,
        "diagnoses": [
            {"letter": letters[d.rank], "code": d.code, "description": d.description}
            for d in diagnoses
        ],
        "providers": list(providers.values()),
        "signatures": signatures,
        "insured": insured,
        "lines": lines,
        "totals": {"charged": charged, "paid": paid, "balance": charged - paid},
        "payments": list(payments),
        "number": number,
        "issued_on": issued_on,
        "period_start": period_start,
        "period_end": period_end,
        "replaces": replaces,
    }


def _allocate_number(*, clinic_id: int, year: int) -> int:
    """The next number of the clinic's year, under a row lock held until commit."""
    counter = (
        SuperbillCounter.objects.select_for_update().filter(clinic_id=clinic_id, year=year).first()
    )
    if counter is None:
        # The first superbill of the year: lock the clinic so only one issuer creates the row.
        Clinic.objects.select_for_update().filter(pk=clinic_id).first()
        counter, _ = SuperbillCounter.objects.get_or_create(clinic_id=clinic_id, year=year)
        counter = SuperbillCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


@transaction.atomic
def superbill_issue(
    *,
    patient: Patient,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    charge_ids: list[int] | None = None,
    issued_by=None,
    replaces: Superbill | None = None,
    notify: bool = True,
) -> Superbill:
    """Issue a superbill for the patient's approved, unbilled charges in the period (or the
    chosen charges).

    Checks everything an insurer needs first and raises SuperbillIncomplete with the full
    list of what is missing, creating nothing. Then locks the clinic's counter row, takes
    the next number (gapless: a failure rolls the number back with everything else), renders
    the PDF, stores it with its SHA-256 and links the charges (each on one live superbill
    at most). The patient is told through the outbox after commit.
    """
    if charge_ids is None and (period_start is None or period_end is None):
        raise InvalidCharge("Choose a period or the charges to include.")
    if period_start and period_end and period_end < period_start:
        raise InvalidCharge("The period ends before it starts.")
    patient = (
        Patient.objects.select_related("clinic").select_for_update(of=("self",)).get(pk=patient.pk)
    )
    clinic = patient.clinic
    charges = list(
        billable_charges(
            patient_id=patient.pk,
            period_start=period_start,
            period_end=period_end,
            charge_ids=charge_ids,
        )
    )
    if charge_ids is not None and len(charges) != len(set(charge_ids)):
        raise InvalidCharge(
            "Some chosen charges are not approved, belong to another patient or are already "
            "on a superbill."
        )
    diagnoses = list(Diagnosis.objects.filter(patient=patient).order_by("rank"))
    missing = superbill_missing(
        clinic=clinic, patient=patient, charges=charges, diagnoses=diagnoses
    )
    if missing:
        raise SuperbillIncomplete(missing)
    period_start = period_start or charges[0].date_of_service
    period_end = period_end or charges[-1].date_of_service
    now = timezone.now()
    issued_on = timezone.localtime(now, clinic.zone).date()
    year = issued_on.year
    sequence = _allocate_number(clinic_id=clinic.pk, year=year)
    number = f"SB-{year}-{sequence:06d}"
    # Quantized: SQLite sums decimals in floating point.
    paid_by_charge = {
        charge_id: money(paid)
        for charge_id, paid in PaymentAllocation.objects.filter(charge__in=charges)
        .values("charge_id")
        .annotate(s=Sum("amount"))
        .values_list("charge_id", "s")
    }
    # Each payment that paid these charges: its date and method, and what it applied here.
    payments = [
        {
            "date": row["payment__received_on"],
            "method": PaymentMethod(row["payment__method"]).label,
            "reference": row["payment__reference"],
            "amount": money(row["applied"]),
        }
        for row in PaymentAllocation.objects.filter(charge__in=charges)
        .values("payment_id", "payment__received_on", "payment__method", "payment__reference")
        .annotate(applied=Sum("amount"))
        .order_by("payment__received_on", "payment_id")
    ]
    context = superbill_context(
        clinic=clinic,
        patient=patient,
        charges=charges,
        diagnoses=diagnoses,
        number=number,
        issued_on=issued_on,
        period_start=period_start,
        period_end=period_end,
        paid_by_charge=paid_by_charge,
        payments=payments,
        replaces=replaces.number if replaces else "",
        signature_pngs={
            pk: signature.png
            for pk, signature in provider_signatures_current(
                staff_member_ids={c.rendering_provider_id for c in charges}
            ).items()
        },
    )
    pdf = render_pdf(TEMPLATE, context)
    digest = hashlib.sha256(pdf).hexdigest()
    name = default_storage.save(f"superbills/{clinic.pk}/{year}/{number}.pdf", ContentFile(pdf))
    try:
        superbill = Superbill(
            clinic=clinic,
            patient=patient,
            number=number,
            year=year,
            sequence=sequence,
            period_start=period_start,
            period_end=period_end,
            issued_at=now,
            issued_by=issued_by,
            pdf=name,
            pdf_sha256=digest,
            total_charged=context["totals"]["charged"],
            total_paid=context["totals"]["paid"],
            balance=context["totals"]["balance"],
            replaces=replaces,
        )
        superbill.full_clean()
        superbill.save()
        SuperbillLine.objects.bulk_create(
            SuperbillLine(superbill=superbill, charge=charge, position=i)
            for i, charge in enumerate(charges, start=1)
        )
    except BaseException:
        default_storage.delete(name)
        raise
    if notify:
        notify_superbill_issued(superbill=superbill)
    return superbill


@transaction.atomic
def superbill_void(*, superbill: Superbill, voided_by, reason: str) -> Superbill:
    """Void an issued superbill (its number is never reused); its charges may be billed
    again. The PDF stays stored for the record."""
    superbill = Superbill.objects.select_for_update().get(pk=superbill.pk)
    if superbill.status != SuperbillStatus.ISSUED:
        raise SuperbillImmutable(f"{superbill.number} is already void.")
    if not reason.strip():
        raise InvalidCharge("Say why the superbill is void.")
    superbill.status = SuperbillStatus.VOID
    superbill.voided_at = timezone.now()
    superbill.voided_by = voided_by
    superbill.void_reason = reason.strip()
    superbill.save()
    SuperbillLine.objects.filter(superbill=superbill).update(is_active=False)
    return superbill


@transaction.atomic
def superbill_correct(*, superbill: Superbill, corrected_by, reason: str) -> Superbill:
    """Void `superbill` and issue a new number for the same charges with today's data
    (e.g. after a provider's NPI was fixed). Refused with what is missing, leaving the
    original issued, if the correction cannot be issued."""
    charge_ids = list(superbill.lines.values_list("charge_id", flat=True))
    void = superbill_void(superbill=superbill, voided_by=corrected_by, reason=reason)
    return superbill_issue(
        patient=void.patient,
        period_start=void.period_start,
        period_end=void.period_end,
        charge_ids=charge_ids,
        issued_by=corrected_by,
        replaces=void,
    )


def superbill_pdf_bytes(*, superbill: Superbill) -> bytes:
    """The stored PDF, after checking it is byte for byte what was issued."""
    with default_storage.open(superbill.pdf.name, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != superbill.pdf_sha256:
        log.error("Superbill %s PDF does not match its SHA-256", superbill.number)
        raise SuperbillTampered(
            f"The stored PDF of {superbill.number} does not match what was issued; "
            "the clinic has been alerted."
        )
    return data


# ---------------------------------------------------------------- month-end


@transaction.atomic
def bulk_issue_start(*, clinic: Clinic, month: datetime.date, started_by=None) -> BulkIssueRun:
    """Start a month-end run; the Celery worker issues the superbills after commit."""
    run = BulkIssueRun.objects.create(
        clinic=clinic, month=month.replace(day=1), started_by=started_by
    )

    # Imported here: billing.tasks imports the services, and a worker imports it first.
    from billing.tasks import bulk_issue_superbills

    transaction.on_commit(lambda: bulk_issue_superbills.delay(run.pk))
    return run


def bulk_issue_process(*, run_id: int) -> BulkIssueRun:
    """Issue the run's superbills, one patient per transaction. Patients with an outcome
    already recorded are skipped, so running it again after a worker died resumes the run
    and never issues twice."""
    run = BulkIssueRun.objects.get(pk=run_id)
    if run.status == BulkRunStatus.DONE:
        return run
    first, last = month_bounds(run.month)
    done = set(run.items.values_list("patient_id", flat=True))
    patients = list(patients_with_paid_charges(clinic_id=run.clinic_id, month=run.month))
    # The count the progress page reads ("n of N"); a resumed run counts again, keeping the
    # patients it already finished.
    total = len(done | {p.pk for p in patients})
    BulkIssueRun.objects.filter(pk=run.pk).update(total=total)
    for patient in patients:
        if patient.pk in done:
            continue
        with transaction.atomic():
            # The item row is the per-patient claim: a concurrent run of the same task
            # fails to insert it and leaves that patient to the other.
            item = BulkIssueItem(run=run, patient=patient, outcome=BulkItemOutcome.NOTHING)
            try:
                with transaction.atomic():
                    item.save()
            except IntegrityError:  # another worker holds this patient
                continue
            if not billable_charges(
                patient_id=patient.pk, period_start=first, period_end=last
            ).exists():
                item.message = "Every charge of the month is already on a superbill."
                item.save(update_fields=["message"])
                continue
            try:
                with transaction.atomic():
                    superbill = superbill_issue(
                        patient=patient,
                        period_start=first,
                        period_end=last,
                        issued_by=run.started_by,
                    )
            except SuperbillIncomplete as refused:
                item.outcome = BulkItemOutcome.REFUSED
                item.message = "; ".join(refused.missing)
                item.save(update_fields=["outcome", "message"])
                continue
            item.outcome = BulkItemOutcome.ISSUED
            item.superbill = superbill
            item.save(update_fields=["outcome", "superbill"])
    BulkIssueRun.objects.filter(pk=run.pk).update(
        status=BulkRunStatus.DONE, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run
