"""The demo clinic's stock: lots, an administration for every dose of the clinical demo
(drawn from stock received before it), a witnessed waste, a reconciled count; the reports
print; seeding twice changes nothing."""

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from backend.demo import seed_demo
from controlled import reports
from controlled.models import LedgerEntry, Lot, PhysicalCount
from controlled.services import active_administration
from practice.models import DosingRecord, StaffMember
from tests.factories import clinic_today

pytestmark = pytest.mark.django_db


def test_the_demo_clinic_has_a_ledger_that_prints():
    ctx = seed_demo()
    entries = LedgerEntry.objects.count()
    seed_demo()  # idempotent
    assert LedgerEntry.objects.count() == entries

    clinic = ctx["clinic"]
    assert Lot.objects.filter(clinic=clinic).count() == 3
    records = DosingRecord.objects.filter(session__clinic=clinic)
    administrations = LedgerEntry.objects.filter(clinic=clinic, kind="administration")
    assert records.count() >= 2
    assert administrations.count() == records.count()
    for record in records:
        entry = active_administration(record)
        assert entry.occurred_at == record.administered_at
        received = LedgerEntry.objects.get(lot=entry.lot, kind="receipt").occurred_at
        assert received < entry.occurred_at
    waste = LedgerEntry.objects.get(clinic=clinic, kind="waste")
    assert waste.witness is not None and waste.witness != waste.staff
    assert waste.dosing_record == records.order_by("administered_at").last()
    assert active_administration(waste.dosing_record).lot == waste.lot
    count = PhysicalCount.objects.get(clinic=clinic, inventory__isnull=True)
    assert count.status == "reconciled"

    first = administrations.order_by("occurred_at").first().occurred_at
    pdf = reports.administration_log_pdf(
        clinic=clinic,
        start=timezone.localtime(first).date(),
        end=clinic_today(clinic),
        user=StaffMember.objects.filter(clinic=clinic, role="admin").first().user,
    )
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "KV24A117" in text
    assert "Witness" in text
