"""Insurance claims: made from a patient's approved charges after checking every required
element (`claim_missing`), printed as a CMS-1500 (02/12), sent in batches as an ANSI X12
837P (005010X222A1) file, and settled by hand or by importing an 835 remittance."""

import datetime
import hashlib
import re
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from backend.pdf import render_pdf
from billing.choices import ChargeStatus, ClaimStatus, PaymentMethod
from billing.errors import ClaimIncomplete, ClaimRefused, InvalidCharge
from billing.models import (
    Charge,
    Claim,
    ClaimBatch,
    ClaimLine,
    Payment,
    PaymentAllocation,
    Remittance,
)
from billing.money import ZERO, money
from billing.requirements import (
    diagnoses_missing,
    insured_is_another,
    lines_missing,
    organisation_missing,
    providers_missing,
    rendering_providers,
)
from billing.selectors import amount_sum
from billing.validators import pointer_letter
from practice.choices import InsuredRelationship
from practice.models import Clinic, Diagnosis, Patient

CMS1500_TEMPLATE = "billing/cms1500_pdf.html"
# 837P's relationship codes (SBR02 / PAT01) for a patient who is not the subscriber.
RELATIONSHIP_CODES = {
    InsuredRelationship.SPOUSE: "01",
    InsuredRelationship.CHILD: "19",
    InsuredRelationship.OTHER: "G8",
}
STATUS_CHANGES = {
    ClaimStatus.DRAFT: {ClaimStatus.SUBMITTED},
    ClaimStatus.SUBMITTED: {ClaimStatus.PAID, ClaimStatus.PARTIAL, ClaimStatus.DENIED},
    ClaimStatus.PARTIAL: {ClaimStatus.PAID, ClaimStatus.DENIED},
    ClaimStatus.DENIED: {ClaimStatus.SUBMITTED},
    ClaimStatus.PAID: set(),
}


def claim_missing(
    *, clinic: Clinic, patient: Patient, charges: list[Charge], diagnoses, payer_id: str
) -> list[str]:
    """Every required element of a CMS-1500 / 837P that is missing or invalid, as sentences
    an admin can act on. Empty when the claim can be made. The checks a superbill shares are
    `billing.requirements`'; a claim adds the payer, full addresses and the insured's details."""
    missing: list[str] = []
    if not charges:
        missing.append("no approved charges to claim")
    missing += organisation_missing(clinic, who="the billing provider")
    if not (clinic.address_line1 and clinic.city and clinic.state and clinic.postal_code):
        missing.append("the billing provider has no complete street address")
    if not patient.insurance_payer:
        missing.append(f"no payer name for {patient.full_name}")
    if not payer_id.strip():
        missing.append("no payer ID")
    if not patient.insurance_member_id:
        missing.append(f"no subscriber (member) ID for {patient.full_name}")
    if not (patient.address_line1 and patient.city and patient.state and patient.postal_code):
        missing.append(f"no complete address for {patient.full_name}")
    if insured_is_another(patient):
        if not patient.insured_name.strip():
            missing.append("the insured is not the patient, and the insured's name is missing")
        if not patient.insured_date_of_birth:
            missing.append(
                "the insured is not the patient, and the insured's birth date is missing"
            )
    elif patient.insured_name and not patient.insured_relationship:
        missing.append("the insured's relationship to the patient is missing")
    missing += diagnoses_missing(patient, diagnoses, at_most="box 21 holds A–L")
    missing += lines_missing(charges, diagnoses)
    missing += providers_missing(rendering_providers(charges).values(), credentials=False)
    return missing


def _append_history(claim: Claim, status: str, note: str = "", by=None) -> None:
    """One entry of the claim's history: when, the status it took, why, and who (a staff
    member's name; blank for the system)."""
    claim.history = [
        *claim.history,
        {
            "at": timezone.now().isoformat(),
            "status": status,
            "note": note,
            "by": by.display_name if by is not None else "",
        },
    ]


@transaction.atomic
def claim_create(
    *, patient: Patient, charge_ids: list[int], payer_id: str | None = None, created_by=None
) -> Claim:
    """A draft claim for the chosen approved charges of the patient, to the payer ID given
    or, when none is given, the patient's insurer's (`Patient.insurance_payer_id`). Refused
    with every missing element (ClaimIncomplete), creating nothing; a charge is on one
    claim only."""
    patient = (
        Patient.objects.select_related("clinic").select_for_update(of=("self",)).get(pk=patient.pk)
    )
    if payer_id is None or not payer_id.strip():
        payer_id = patient.insurance_payer_id
    clinic = patient.clinic
    charges = list(
        Charge.objects.filter(
            patient=patient, pk__in=charge_ids, status=ChargeStatus.APPROVED
        ).select_related("rendering_provider__user")
    )
    if len(charges) != len(set(charge_ids)):
        raise InvalidCharge("Some chosen charges are not approved or belong to another patient.")
    if ClaimLine.objects.filter(charge__in=charges).exists():
        raise ClaimRefused("Some chosen charges are already on a claim.")
    diagnoses = list(Diagnosis.objects.filter(patient=patient).order_by("rank"))
    missing = claim_missing(
        clinic=clinic, patient=patient, charges=charges, diagnoses=diagnoses, payer_id=payer_id
    )
    if missing:
        raise ClaimIncomplete(missing)
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    count = Claim.objects.filter(clinic=clinic).count() + 1
    claim = Claim(
        clinic=clinic,
        patient=patient,
        payer_name=patient.insurance_payer,
        payer_id=payer_id.strip(),
        subscriber_id=patient.insurance_member_id,
        control_number=f"C{clinic.pk}-{count:06d}",
        total_charge=money(sum((c.amount for c in charges), ZERO)),
        created_by=created_by,
    )
    _append_history(claim, ClaimStatus.DRAFT, "created", by=created_by)
    claim.full_clean()
    claim.save()
    ClaimLine.objects.bulk_create(
        ClaimLine(claim=claim, charge=c, position=i) for i, c in enumerate(charges, start=1)
    )
    return claim


@transaction.atomic
def claim_set_status(*, claim: Claim, status: str, note: str = "", by=None) -> Claim:
    """Move a claim by hand (submitted, paid, partly paid, denied), kept in its history
    with the note and who (`by`)."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if status not in STATUS_CHANGES.get(claim.status, set()):
        raise ClaimRefused(f"A {claim.get_status_display().lower()} claim cannot become {status}.")
    claim.status = status
    if status == ClaimStatus.SUBMITTED:
        claim.submitted_at = timezone.now()
    _append_history(claim, status, note.strip(), by=by)
    claim.save()
    return claim


@transaction.atomic
def claim_resubmit(*, claim: Claim, note: str, by=None) -> Claim:
    """Put a denied claim back to draft to be corrected and sent again in a new batch.

    The note (what was corrected, or why it is sent again) is required and kept in the
    history. The claim keeps its control number; its next 837P carries claim frequency
    code 7 (replacement) with the payer's claim number (REF*F8) when the payer gave one,
    else 1 (an original claim). Refused (ClaimRefused) for a claim that is not denied."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != ClaimStatus.DENIED:
        raise ClaimRefused(
            f"Only a denied claim can be sent again; this one is "
            f"{claim.get_status_display().lower()}."
        )
    if not note.strip():
        raise ClaimRefused("Say what was corrected before sending the claim again.")
    claim.status = ClaimStatus.DRAFT
    claim.is_resubmission = True
    _append_history(claim, ClaimStatus.DRAFT, f"to be sent again: {note.strip()}", by=by)
    claim.save()
    return claim


# ---------------------------------------------------------------- CMS-1500


def claim_lines(claim: Claim) -> list[Charge]:
    return [
        line.charge
        for line in claim.lines.select_related("charge__rendering_provider__user").order_by(
            "position"
        )
    ]


def claim_context(*, claim: Claim) -> dict:
    patient, clinic = claim.patient, claim.clinic
    diagnoses = list(Diagnosis.objects.filter(patient=patient).order_by("rank"))
    letters = {d.rank: pointer_letter(i) for i, d in enumerate(diagnoses, start=1)}
    charges = claim_lines(claim)
    return {
        "claim": claim,
        "clinic": clinic,
        "patient": patient,
        "is_self": not insured_is_another(patient),
        "diagnoses": [{"letter": letters[d.rank], "code": d.code} for d in diagnoses],
        "lines": [
            {
                "charge": c,
                "pointer": "".join(letters.get(p, "") for p in c.diagnosis_pointers[:4]),
            }
            for c in charges
        ],
        "total": claim.total_charge,
        "paid": claim.paid_amount,
    }


def claim_cms1500_pdf(*, claim: Claim) -> bytes:
    """The claim as a CMS-1500 (02/12)-style form, box by box; box 24's shaded line above
    each J-code carries its NDC, unit and quantity."""
    return render_pdf(CMS1500_TEMPLATE, claim_context(claim=claim))


# ---------------------------------------------------------------- 837P


def _x12(value) -> str:
    """Text safe inside an X12 element: upper case, no separators."""
    return re.sub(r"[~*:^]", " ", str(value)).upper().strip()


def _amount(value: Decimal) -> str:
    return f"{money(value).normalize():f}"


def _split_name(name: str) -> tuple[str, str]:
    parts = name.replace(",", " ").split()
    if len(parts) == 1:
        return parts[0], ""
    return parts[-1], " ".join(parts[:-1])


def x12_837p(*, clinic: Clinic, claims: list[Claim], control_number: int, now) -> str:
    """An 837P (005010X222A1) interchange for the claims, one transaction set."""
    local = timezone.localtime(now, clinic.zone)
    segs: list[str] = []
    add = segs.append
    ctl = f"{control_number:09d}"
    submitter = _x12(clinic.submitter_id)
    add(
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{submitter:<15}*ZZ*{'PAYERS':<15}*"
        f"{local:%y%m%d}*{local:%H%M}*^*00501*{ctl}*0*P*:"
    )
    add(f"GS*HC*{submitter}*PAYERS*{local:%Y%m%d}*{local:%H%M}*{control_number}*X*005010X222A1")
    st_index = len(segs)
    add("ST*837*0001*005010X222A1")
    add(f"BHT*0019*00*{ctl}*{local:%Y%m%d}*{local:%H%M}*CH")
    add(f"NM1*41*2*{_x12(clinic.name)}*****46*{submitter}")
    phone = re.sub(r"\D", "", str(clinic.phone))[-10:] or "0000000000"
    add(f"PER*IC*BILLING OFFICE*TE*{phone}")
    add(f"NM1*40*2*{_x12(claims[0].payer_name)}*****46*{_x12(claims[0].payer_id)}")
    hl = 1
    add(f"HL*{hl}**20*1")
    add(f"NM1*85*2*{_x12(clinic.name)}*****XX*{clinic.npi}")
    add(f"N3*{_x12(clinic.address_line1)}")
    add(f"N4*{_x12(clinic.city)}*{clinic.state}*{re.sub(r'[^0-9]', '', clinic.postal_code)}")
    add(f"REF*EI*{re.sub(r'[^0-9]', '', clinic.tax_id)}")
    parent = hl
    for claim in claims:
        patient = claim.patient
        is_self = not insured_is_another(patient)
        hl += 1
        add(f"HL*{hl}*{parent}*22*{0 if is_self else 1}")
        group = _x12(patient.insurance_group_number)
        add(f"SBR*P*{'18' if is_self else ''}*{group}******CI")
        if is_self:
            last, first = patient.legal_last_name, patient.legal_first_name
            birth = patient.date_of_birth
            sex = patient.sex if patient.sex in ("F", "M") else "U"
        else:
            last, first = _split_name(patient.insured_name)
            birth, sex = patient.insured_date_of_birth, "U"
        add(f"NM1*IL*1*{_x12(last)}*{_x12(first)}****MI*{_x12(claim.subscriber_id)}")
        if is_self:
            add(f"N3*{_x12(patient.address_line1)}")
            add(
                f"N4*{_x12(patient.city)}*{patient.state}*"
                f"{re.sub(r'[^0-9]', '', patient.postal_code)}"
            )
        add(f"DMG*D8*{birth:%Y%m%d}*{sex}")
        add(f"NM1*PR*2*{_x12(claim.payer_name)}*****PI*{_x12(claim.payer_id)}")
        if not is_self:
            hl += 1
            add(f"HL*{hl}*{hl - 1}*23*0")
            add(f"PAT*{RELATIONSHIP_CODES[patient.insured_relationship]}")
            add(f"NM1*QC*1*{_x12(patient.legal_last_name)}*{_x12(patient.legal_first_name)}")
            add(f"N3*{_x12(patient.address_line1)}")
            add(
                f"N4*{_x12(patient.city)}*{patient.state}*"
                f"{re.sub(r'[^0-9]', '', patient.postal_code)}"
            )
            sex = patient.sex if patient.sex in ("F", "M") else "U"
            add(f"DMG*D8*{patient.date_of_birth:%Y%m%d}*{sex}")
        charges = claim_lines(claim)
        pos = charges[0].place_of_service
        # CLM05-3: 7 replaces the payer's earlier claim, named in REF*F8 (2300, before HI);
        # without the payer's claim number a corrected claim goes as an original (1).
        replaces = claim.is_resubmission and bool(claim.payer_claim_number.strip())
        frequency = "7" if replaces else "1"
        add(
            f"CLM*{claim.control_number}*{_amount(claim.total_charge)}***{pos}:B:{frequency}"
            "*Y*A*Y*Y"
        )
        if replaces:
            add(f"REF*F8*{_x12(claim.payer_claim_number)}")
        diagnoses = list(Diagnosis.objects.filter(patient=patient).order_by("rank"))
        index = {d.rank: i for i, d in enumerate(diagnoses, start=1)}
        hi = [
            f"{'ABK' if i == 0 else 'ABF'}:{d.code.replace('.', '')}"
            for i, d in enumerate(diagnoses)
        ]
        add("HI*" + "*".join(hi))
        claim_provider = charges[0].rendering_provider
        add(
            f"NM1*82*1*{_x12(claim_provider.user.last_name)}*"
            f"{_x12(claim_provider.user.first_name)}****XX*{claim_provider.npi}"
        )
        for number, charge in enumerate(charges, start=1):
            add(f"LX*{number}")
            code = ":".join([f"HC:{charge.code}", *charge.modifiers])
            pointers = ":".join(str(index[p]) for p in charge.diagnosis_pointers[:4])
            add(f"SV1*{code}*{_amount(charge.amount)}*UN*{charge.units}***{pointers}")
            add(f"DTP*472*D8*{charge.date_of_service:%Y%m%d}")
            if charge.ndc:
                add(f"LIN**N4*{charge.ndc}")
                add(f"CTP****{charge.drug_quantity.normalize():f}*{charge.drug_unit}")
            provider = charge.rendering_provider
            if provider.pk != claim_provider.pk:
                add(
                    f"NM1*82*1*{_x12(provider.user.last_name)}*"
                    f"{_x12(provider.user.first_name)}****XX*{provider.npi}"
                )
    add(f"SE*{len(segs) - st_index + 1}*0001")
    add(f"GE*1*{control_number}")
    add(f"IEA*1*{ctl}")
    return "~\n".join(segs) + "~\n"


@transaction.atomic
def claim_batch_create(*, claims: list[Claim], created_by=None) -> ClaimBatch:
    """One 837P file for draft claims of one clinic and payer; they become submitted.

    Refused (ClaimRefused), nothing changed, without the clinic's submitter ID, for claims
    of several clinics or payers, or for a claim that is not a draft (a denied claim is
    put back to draft by `claim_resubmit` first)."""
    if not claims:
        raise ClaimRefused("Choose at least one draft claim.")
    claims = list(
        Claim.objects.select_for_update(of=("self",))
        .filter(pk__in=[c.pk for c in claims])
        .select_related("patient", "clinic")
        .order_by("pk")
    )
    clinic = claims[0].clinic
    if any(c.clinic_id != clinic.pk for c in claims):
        raise ClaimRefused("A batch holds the claims of one clinic.")
    if not clinic.submitter_id.strip():
        raise ClaimRefused(
            "The clinic has no claims submitter ID: enter the ID its clearinghouse gave it "
            "in the clinic's billing settings, then send the batch."
        )
    if len({c.payer_id for c in claims}) > 1:
        raise ClaimRefused("A batch goes to one payer: choose claims with the same payer ID.")
    not_draft = [c.control_number for c in claims if c.status != ClaimStatus.DRAFT]
    if not_draft:
        raise ClaimRefused(f"Only draft claims can be sent: {', '.join(not_draft)}.")
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    control = (
        ClaimBatch.objects.filter(clinic=clinic).aggregate(m=Max("control_number"))["m"] or 0
    ) + 1
    now = timezone.now()
    text = x12_837p(clinic=clinic, claims=claims, control_number=control, now=now)
    batch = ClaimBatch.objects.create(
        clinic=clinic,
        control_number=control,
        created_by=created_by,
        x12=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    for claim in claims:
        claim.batch = batch
        claim.status = ClaimStatus.SUBMITTED
        claim.submitted_at = now
        _append_history(claim, ClaimStatus.SUBMITTED, f"837P batch {control:09d}", by=created_by)
        claim.save()
    return batch


# ---------------------------------------------------------------- 835


def parse_835(text: str) -> dict:
    """The parts of an 835 this system posts: BPR (amount, date), TRN (trace number), the
    payer's name, and per claim (CLP) its status, paid amount, payer claim number, and the
    service lines (SVC) with their adjustments (CAS). Anything that cannot be read as one
    (a truncated envelope, a missing element, a bad amount or date) is refused with
    InvalidCharge, never a server error."""
    try:
        return _parse_835(text)
    except (IndexError, ValueError, ArithmeticError) as exc:
        raise InvalidCharge(
            "This does not look like an 835 remittance: a segment is missing an element or "
            "holds a value that is not an amount or a date."
        ) from exc


def _parse_835(text: str) -> dict:
    text = text.strip()
    element, segment_end = (text[3], text[105]) if text.startswith("ISA") else ("*", "~")
    segments = [s.strip() for s in text.split(segment_end) if s.strip()]
    out: dict = {"claims": [], "trace": "", "paid": ZERO, "paid_on": None, "payer": ""}
    claim = line = None
    for segment in segments:
        e = segment.split(element)
        tag = e[0]
        if tag == "BPR":
            out["paid"] = Decimal(e[2])
            out["paid_on"] = datetime.datetime.strptime(e[16], "%Y%m%d").date()
        elif tag == "TRN":
            out["trace"] = e[2]
        elif tag == "N1" and e[1] == "PR":
            out["payer"] = e[2]
        elif tag == "CLP":
            claim = {
                "control": e[1],
                "status": e[2],
                "charged": Decimal(e[3]),
                "paid": Decimal(e[4]),
                "payer_claim_number": e[7] if len(e) > 7 else "",
                "lines": [],
                "adjustments": [],
            }
            line = None
            out["claims"].append(claim)
        elif tag == "SVC" and claim is not None:
            line = {
                "code": e[1].split(":")[1] if ":" in e[1] else e[1],
                "charged": Decimal(e[2]),
                "paid": Decimal(e[3]),
                "adjustments": [],
            }
            claim["lines"].append(line)
        elif tag == "DTM" and line is not None and e[1] == "472":
            line["date"] = datetime.datetime.strptime(e[2], "%Y%m%d").date()
        elif tag == "CAS" and claim is not None:
            group = e[1]
            adjustments = []
            for i in range(2, len(e) - 1, 3):
                if e[i]:
                    adjustments.append({"group": group, "reason": e[i], "amount": e[i + 1]})
            (line or claim)["adjustments"].extend(adjustments)
    if not out["trace"] or out["paid_on"] is None:
        raise InvalidCharge("This does not look like an 835 remittance: no BPR or TRN segment.")
    return out


# CLP02 claim status codes: processed (1–3, 19–22 partly) or denied (4).
DENIED = {"4"}


@transaction.atomic
def remittance_import(*, clinic: Clinic, text: str, imported_by=None) -> Remittance:
    """Post an 835: an insurance payment per paid claim, allocated to its lines; the
    adjustments recorded; each claim's status set (paid, partly paid or denied).

    Importing the same 835 again changes nothing (its trace number is unique per clinic)
    and returns the earlier import. A claim the clinic does not know refuses the whole file,
    nothing posted."""
    parsed = parse_835(text)
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    existing = Remittance.objects.filter(clinic=clinic, trace_number=parsed["trace"]).first()
    if existing is not None:
        return existing
    claims = {
        c.control_number: c
        for c in Claim.objects.select_for_update(of=("self",))
        .filter(clinic=clinic, control_number__in=[c["control"] for c in parsed["claims"]])
        .select_related("patient")
    }
    unknown = [c["control"] for c in parsed["claims"] if c["control"] not in claims]
    if unknown:
        raise ClaimRefused(f"The 835 names claims this clinic never sent: {', '.join(unknown)}.")
    remittance = Remittance.objects.create(
        clinic=clinic,
        trace_number=parsed["trace"],
        payer_name=parsed["payer"],
        total_paid=money(parsed["paid"]),
        paid_on=parsed["paid_on"],
        raw=text,
        imported_by=imported_by,
        adjustments=[
            {"claim": c["control"], **a}
            for c in parsed["claims"]
            for a in c["adjustments"] + [x for line in c["lines"] for x in line["adjustments"]]
        ],
    )
    outcomes = []
    for entry in parsed["claims"]:
        claim = claims[entry["control"]]
        paid = money(entry["paid"])
        payment = None
        if paid > 0:
            payment = Payment.objects.create(
                clinic=clinic,
                patient=claim.patient,
                method=PaymentMethod.INSURANCE,
                amount=paid,
                received_on=parsed["paid_on"],
                reference=f"835 {parsed['trace']} / {claim.control_number}",
                recorded_by=imported_by,
            )
            _allocate(payment=payment, claim=claim, entry=entry)
        claim.paid_amount = money(claim.paid_amount + paid)
        claim.payer_claim_number = entry["payer_claim_number"][:50]
        if entry["status"] in DENIED or paid == 0:
            status = ClaimStatus.DENIED
        elif claim.paid_amount >= claim.total_charge:
            status = ClaimStatus.PAID
        else:
            status = ClaimStatus.PARTIAL
        claim.status = status
        reasons = ", ".join(
            f"{a['group']}-{a['reason']} ${a['amount']}"
            for a in entry["adjustments"] + [x for ln in entry["lines"] for x in ln["adjustments"]]
        )
        _append_history(
            claim,
            status,
            f"835 {parsed['trace']}: paid ${paid}" + (f"; {reasons}" if reasons else ""),
            by=imported_by,
        )
        claim.save()
        outcomes.append(
            {
                "claim": claim.control_number,
                "status": status,
                "paid": str(paid),
                "payment": payment.pk if payment else None,
            }
        )
    remittance.outcomes = outcomes
    remittance.save(update_fields=["outcomes"])
    return remittance


def _allocate(*, payment: Payment, claim: Claim, entry: dict) -> None:
    """Apply the payment line by line (SVC matched by code and date), the rest in order,
    never beyond a charge's open balance."""
    charges = claim_lines(claim)
    left = payment.amount
    wanted: dict[int, Decimal] = {}
    for line in entry["lines"]:
        for charge in charges:
            if (
                charge.code == line["code"]
                and charge.pk not in wanted
                and (line.get("date") in (None, charge.date_of_service))
            ):
                wanted[charge.pk] = money(line["paid"])
                break
    for charge in charges:
        open_balance = charge.amount - amount_sum(charge.allocations.all())
        share = min(wanted.get(charge.pk, left) if wanted else left, open_balance, left)
        if share > 0:
            PaymentAllocation.objects.create(payment=payment, charge=charge, amount=share)
            left -= share
