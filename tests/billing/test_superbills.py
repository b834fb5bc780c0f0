"""Superbills: every field an insurer needs, read back from the PDF; gapless numbers;
immutable once issued; corrected only by void and reissue."""

import datetime
import hashlib
import io
import re
from datetime import UTC
from decimal import Decimal

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from billing.errors import ChargeLocked, SuperbillImmutable, SuperbillIncomplete, SuperbillTampered
from billing.models import Superbill, SuperbillCounter
from billing.services.charges import charge_create, charge_update, charge_void
from billing.services.payments import payment_record
from billing.services.superbills import (
    superbill_correct,
    superbill_issue,
    superbill_pdf_bytes,
    superbill_void,
)
from practice.models import ProviderSignature, StaffMember
from practice.services import diagnosis_add

OCT = {"period_start": datetime.date(2026, 10, 1), "period_end": datetime.date(2026, 10, 31)}


def pdf_text(superbill) -> list[str]:
    reader = PdfReader(io.BytesIO(superbill_pdf_bytes(superbill=superbill)))
    return [page.extract_text() for page in reader.pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def october(approved_session, codes):
    """Erin in October: two integration sessions (55 and 45 min), a dosing session with the
    medical doctor, a second diagnosis, $250 paid by card."""
    diagnosis_add(patient=codes.patient, code="F43.10")
    charges = approved_session(datetime.date(2026, 10, 5))
    charges += approved_session(datetime.date(2026, 10, 12), minutes=45)
    charges += approved_session(
        datetime.date(2026, 10, 19), minutes=120, kind="dosing", clinician=codes.medical
    )
    charge_update(charge=charges[0], modifiers=["95", "GT"], diagnosis_pointers=[2, 1])
    payment_record(
        patient=codes.patient,
        method="card",
        amount=Decimal("250.00"),
        received_on=datetime.date(2026, 10, 12),
        reference="AUTH-1182",
    )
    return charges


@pytest.mark.django_db
def test_the_pdf_carries_every_field_an_insurer_needs(october, codes):
    # Issued on November 30 in Denver (the signature line's date is the issue date).
    with time_machine.travel(datetime.datetime(2026, 11, 30, 17, 0, tzinfo=UTC), tick=False):
        superbill = superbill_issue(patient=codes.patient, issued_by=codes.admin, **OCT)
    pages = pdf_text(superbill)
    assert len(pages) == 1
    text = flat(pages[0])
    clinic, patient = codes.clinic, codes.patient
    expected = [
        # the practice
        clinic.name,
        "1450 Pearl Street, Suite 200",
        "Boulder, CO 80302",
        "Phone: (303) 555-0142",
        f"Organisation NPI: {clinic.npi}",
        f"Tax ID (EIN): {clinic.tax_id}",
        # rendering providers: name, credentials, individual NPI, license
        f"Bob Therapist LCSW {codes.therapist.npi} {codes.therapist.license_number} (CO)",
        f"Dana Medic MD {codes.medical.npi} {codes.medical.license_number} (CO)",
        # the patient
        "Erin Patient",
        "Date of birth: 04/12/1986",
        "22 Mapleton Avenue",
        "Boulder, CO 80304",
        "Phone: (303) 555-0177",
        "Insurance: Aetna",
        f"Member ID: {patient.insurance_member_id} · Group: GRP-4471",
        # diagnoses lettered A–L with descriptions
        "A F41.1 Generalized anxiety disorder",
        "B F43.10 Post-traumatic stress disorder, unspecified",
        # the number, the dates
        "No. SB-2026-000001",
        "Services: 10/01/2026 – 10/31/2026",
        # service lines: date, POS, code, modifiers, description, pointer, units, NPI, fee
        "10/05/2026 11 90837 95 GT Psychotherapy, 60 minutes (53 min or more) BA 1 1234567893 "
        "$210.00",
        "10/12/2026 11 90834 Psychotherapy, 45 minutes (38–52 min) AB 1 1234567893 $160.00",
        "10/19/2026 11 96372",
        "10/19/2026 11 J3490 Unclassified drug (ketamine hydrochloride) AB 1 1000000020 $40.00",
        # the drug under its J-code line, as box 24's shaded area: N4, NDC 11, unit, quantity
        "N442023011310 ML0.7 · dose 35 mg",
        "10/19/2026 11 0820T",
        "AB 2 1000000020 $300.00",
        # totals, signature, statement
        "Total charged $755.00",
        "Amount paid $250.00",
        "Balance due $505.00",
        # each payment with its date and method
        "Date paid Method Reference Applied",
        "10/12/2026 Card AUTH-1182 $250.00",
        # each rendering provider's signature, dated the day it was issued (frozen)
        "11/30/2026 Provider signature — Bob Therapist, LCSW Date",
        "11/30/2026 Provider signature — Dana Medic, MD Date",
        "for insurance reimbursement purposes",
        "Page 1 of 1",
    ]
    for field in expected:
        assert field in text, field
    # The patient is the policy holder: no insured lines.
    assert "Insured:" not in text
    # Both providers' signature images sit on the page.
    reader = PdfReader(io.BytesIO(superbill_pdf_bytes(superbill=superbill)))
    widths = sorted(image.image.width for image in reader.pages[0].images)
    assert widths == sorted(300 + p.pk % 97 for p in (codes.therapist, codes.medical))
    assert (superbill.total_charged, superbill.total_paid, superbill.balance) == (
        Decimal("755.00"),
        Decimal("250.00"),
        Decimal("505.00"),
    )
    stored = default_storage.open(superbill.pdf.name).read()
    assert hashlib.sha256(stored).hexdigest() == superbill.pdf_sha256
    assert superbill.pdf.name == f"superbills/{codes.clinic.pk}/2026/SB-2026-000001.pdf"


@pytest.mark.django_db
def test_fifteen_lines_fit_on_one_page_and_forty_paginate_with_repeated_headers(codes):
    def issue(count, month):
        for day in range(count):
            charge_create(
                patient=codes.patient,
                code="90837",
                date_of_service=datetime.date(2026, month, 1) + datetime.timedelta(days=day % 28),
                rendering_provider=codes.therapist,
                diagnosis_pointers=[1],
                approved_by=codes.admin,
            )
        return superbill_issue(
            patient=codes.patient,
            period_start=datetime.date(2026, month, 1),
            period_end=datetime.date(2026, month, 28),
        )

    assert len(pdf_text(issue(15, 9))) == 1
    pages = pdf_text(issue(40, 10))
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        text = flat(page)
        assert f"Page {number} of {len(pages)}" in text
        assert "SB-2026-000002" in text
    lines_per_page = [flat(page).count(" 90837 ") for page in pages]
    assert sum(lines_per_page) == 40
    # Every page holding service lines repeats the table header above them.
    for page, count in zip(pages, lines_per_page, strict=True):
        if count:
            assert "Date of service POS CPT/ HCPCS Modifiers Description" in flat(page)
    assert "Total charged $8,400.00" in flat(pages[-1])  # thousands separated


@pytest.mark.django_db
def test_an_issued_superbill_never_changes(october, codes):
    superbill = superbill_issue(patient=codes.patient, **OCT)
    superbill.total_charged = Decimal("1.00")
    with pytest.raises(SuperbillImmutable, match="never changes"):
        superbill.save()
    with pytest.raises(SuperbillImmutable):
        Superbill.objects.filter(pk=superbill.pk).update(pdf_sha256="0" * 64)
    with pytest.raises(SuperbillImmutable):
        Superbill.objects.filter(pk=superbill.pk).delete()
    with pytest.raises(SuperbillImmutable):
        superbill.delete()
    # The charges on it are locked too.
    with pytest.raises(ChargeLocked, match="on an issued superbill"):
        charge_update(charge=october[0], units=2)
    with pytest.raises(ChargeLocked):
        charge_void(charge=october[0], reason="Oops")
    stored = Superbill.objects.get(pk=superbill.pk)
    assert stored.total_charged == Decimal("755.00")
    october[0].refresh_from_db()
    assert (october[0].units, october[0].status) == (1, "approved")


@pytest.mark.django_db
def test_a_tampered_pdf_is_refused(october, codes):
    superbill = superbill_issue(patient=codes.patient, **OCT)
    with default_storage.open(superbill.pdf.name, "wb") as handle:
        handle.write(b"%PDF-1.7 forged")
    with pytest.raises(SuperbillTampered):
        superbill_pdf_bytes(superbill=superbill)


@pytest.mark.django_db
def test_a_correction_voids_the_old_number_and_issues_the_next(october, codes):
    first = superbill_issue(patient=codes.patient, **OCT)
    StaffMember.objects.filter(pk=codes.therapist.pk).update(license_number="CSW.1001")
    corrected = superbill_correct(superbill=first, corrected_by=codes.admin, reason="License")
    first.refresh_from_db()
    assert (first.status, first.void_reason, first.number) == ("void", "License", "SB-2026-000001")
    assert (corrected.number, corrected.replaces) == ("SB-2026-000002", first)
    text = flat(pdf_text(corrected)[0])
    assert "CSW.1001" in text
    assert "Corrects and replaces SB-2026-000001" in text
    # The old PDF is kept as issued.
    assert "CSW.1001" not in flat(pdf_text(first)[0])
    with pytest.raises(SuperbillImmutable, match="already void"):
        superbill_void(superbill=first, voided_by=codes.admin, reason="again")


@pytest.mark.django_db
def test_a_refused_correction_leaves_the_original_issued(october, codes):
    first = superbill_issue(patient=codes.patient, **OCT)
    StaffMember.objects.filter(pk=codes.therapist.pk).update(npi="")
    with pytest.raises(SuperbillIncomplete):
        superbill_correct(superbill=first, corrected_by=codes.admin, reason="NPI")
    first.refresh_from_db()
    assert first.status == "issued"
    assert Superbill.objects.count() == 1
    assert SuperbillCounter.objects.get().last_number == 1


@pytest.mark.django_db
def test_a_charge_is_on_one_live_superbill_at_a_time(october, codes):
    superbill_issue(patient=codes.patient, **OCT)
    with pytest.raises(SuperbillIncomplete, match="no approved, unbilled charges"):
        superbill_issue(patient=codes.patient, **OCT)
    assert SuperbillCounter.objects.get().last_number == 1


@pytest.mark.django_db
def test_a_failed_render_gives_its_number_back(october, codes, monkeypatch):
    import billing.services.superbills as module

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(module, "render_pdf", broken)
    with pytest.raises(RuntimeError):
        superbill_issue(patient=codes.patient, **OCT)
    monkeypatch.undo()
    assert not Superbill.objects.exists()
    assert superbill_issue(patient=codes.patient, **OCT).number == "SB-2026-000001"


@pytest.mark.django_db
def test_chosen_charges_make_a_superbill_of_their_own(october, codes):
    superbill = superbill_issue(patient=codes.patient, charge_ids=[october[1].pk])
    assert list(superbill.lines.values_list("charge_id", flat=True)) == [october[1].pk]
    assert (superbill.period_start, superbill.period_end) == (
        datetime.date(2026, 10, 12),
        datetime.date(2026, 10, 12),
    )


@pytest.mark.django_db
def test_the_pdf_names_the_insured_when_the_patient_is_not_the_policy_holder(october, codes):
    patient = codes.patient
    patient.insured_name = "Sam Patient"
    patient.insured_relationship = "spouse"
    patient.insured_date_of_birth = datetime.date(1984, 2, 9)
    patient.save()
    superbill = superbill_issue(patient=patient, issued_by=codes.admin, **OCT)
    text = flat(pdf_text(superbill)[0])
    assert "Insured: Sam Patient · Insured's date of birth: 02/09/1984" in text
    assert "Patient's relationship to the insured: Spouse or partner" in text


@pytest.mark.django_db
def test_a_patient_who_is_not_the_insured_needs_the_insured_name(october, codes):
    patient = codes.patient
    patient.insured_relationship = "child"
    patient.save()
    with pytest.raises(SuperbillIncomplete) as refused:
        superbill_issue(patient=patient, issued_by=codes.admin, **OCT)
    assert refused.value.missing == [
        "no insured's name for Erin Patient (the patient is not the policy holder)"
    ]
    assert not Superbill.objects.exists()


@pytest.mark.django_db
def test_a_rendering_provider_without_a_signature_on_file_is_refused(october, codes):
    ProviderSignature.objects.filter(staff_member=codes.medical).update(replaced_at=timezone.now())
    with pytest.raises(SuperbillIncomplete) as refused:
        superbill_issue(patient=codes.patient, issued_by=codes.admin, **OCT)
    assert refused.value.missing == ["no signature on file for Dana Medic, MD"]
    assert not Superbill.objects.exists()
