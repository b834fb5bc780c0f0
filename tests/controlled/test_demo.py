"""The demo clinic's stock: lots, administrations from its dosing sessions, a witnessed
waste, a reconciled count; the reports print; seeding twice changes nothing."""

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from backend.demo import seed_demo
from practice.controlled import reports
from practice.controlled.models import LedgerEntry, Lot, PhysicalCount

pytestmark = pytest.mark.django_db


def test_the_demo_clinic_has_a_ledger_that_prints():
    ctx = seed_demo()
    seed_demo()  # idempotent

    clinic = ctx["clinic"]
    assert Lot.objects.filter(clinic=clinic).count() == 3
    administrations = LedgerEntry.objects.filter(clinic=clinic, kind="administration")
    assert administrations.count() >= 2
    assert all(e.dosing_record.session.clinic == clinic for e in administrations)
    waste = LedgerEntry.objects.get(clinic=clinic, kind="waste")
    assert waste.witness is not None and waste.witness != waste.staff
    assert waste.dosing_record_id is not None
    count = PhysicalCount.objects.get(clinic=clinic, inventory__isnull=True)
    assert count.status == "reconciled"

    first = administrations.order_by("occurred_at").first().occurred_at
    pdf = reports.administration_log_pdf(
        clinic=clinic, start=timezone.localtime(first).date(), end=timezone.localdate()
    )
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "KV24A117" in text
    assert "Witness" in text
