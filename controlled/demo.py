"""The demo clinic's controlled-substance stock (fictional), in two steps around the
clinical demo, which is the only source of dosing records and so of administrations:

- `seed_stock`, before it: the DEA registration, two products, an opening inventory and
  three lots received about six weeks ago, so every demo dose has stock to be drawn from;
- `seed_ledger`, after it: a witnessed waste of the last dose's remainder (stating what was
  drawn for it) and a reconciled physical count of the main vial lot.

Every entry it writes that takes stock away has its witness, like any other.

Both are idempotent: safe to run twice.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from controlled import services
from controlled.choices import EntryKind
from controlled.models import (
    Inventory,
    LedgerEntry,
    Lot,
    PhysicalCount,
    Product,
    Registration,
)
from practice.models import DosingRecord, StaffMember

SUPPLIER = {
    "supplier_name": "Front Range Medical Supply, Inc.",
    "supplier_address": "4100 Brighton Blvd, Denver, CO 80216",
    "supplier_dea_number": "RM2233447",
}
PRODUCTS = [
    # name, form, mg per mL/unit, units per container, ndc
    ("Ketamine HCl 50 mg/mL, 10 mL multi-dose vial", "vial", "50", "10", "42023-0113-10"),
    ("Ketamine 100 mg troche (compounded)", "troche", "100", "30", ""),
]
LOTS = [
    # product index, lot number, days until expiry, containers, days ago received, invoice
    (0, "KV24A117", 420, 10, 40, "FRMS-118204"),
    (0, "KV24B031", 45, 2, 38, "FRMS-118204"),
    (1, "TR-2611-07", 180, 4, 30, "CP-55102"),
]


def _nurse(clinic, password) -> StaffMember:
    """A second medical staff member, so doses can be witnessed by a nurse."""

    user, created = get_user_model().objects.get_or_create(
        username="nurse",
        defaults={"first_name": "Sam", "last_name": "Ortiz", "email": "nurse@clearwater.example"},
    )
    if created:
        user.set_password(password)
        user.save()
    staff, _ = StaffMember.objects.get_or_create(
        user=user,
        defaults={"clinic": clinic, "role": "medical", "credentials": "RN"},
    )
    return staff


def seed_stock(ctx: dict) -> dict:
    """Registration, products, opening inventory and lots: what a dose is drawn from."""
    clinic, staff, password = ctx["clinic"], ctx["staff"], ctx["password"]
    medical, admin = staff["medical"], staff["admin"]
    ctx["nurse"] = _nurse(clinic, password)
    if not Registration.objects.filter(clinic=clinic).exists():
        services.registration_set(
            clinic=clinic,
            registrant_name=clinic.name,
            dea_number="FC7654329",
            schedules="2, 2N, 3, 3N, 4, 5",
            expires_on=timezone.localdate() + datetime.timedelta(days=500),
        )
    products = []
    for name, form, strength, units, ndc in PRODUCTS:
        product = Product.objects.filter(clinic=clinic, name=name).first()
        if product is None:
            product = services.product_create(
                clinic=clinic,
                name=name,
                form=form,
                strength_mg=Decimal(strength),
                units_per_container=Decimal(units),
                ndc=ndc,
            )
        products.append(product)

    today = timezone.localdate()
    if not Inventory.objects.filter(clinic=clinic).exists():
        # Opening inventory before the first receipt: nothing on hand.
        services.inventory_take(
            clinic=clinic,
            kind="initial",
            taken_on=today - datetime.timedelta(days=41),
            time_of_day="opening",
            counts={},
            taken_by=admin,
            second_counter=medical,
            second_counter_password=password,
            notes="Opening inventory of the registration: no controlled substances on hand.",
        )

    lots = []
    for index, number, expires_in, containers, days_ago, invoice in LOTS:
        lot = Lot.objects.filter(clinic=clinic, lot_number=number).first()
        if lot is None:
            lot = services.lot_receive(
                product=products[index],
                lot_number=number,
                expires_on=today + datetime.timedelta(days=expires_in),
                containers_received=containers,
                invoice_number=invoice,
                received_by=medical,
                received_at=timezone.now() - datetime.timedelta(days=days_ago),
                **SUPPLIER,
            )
        lots.append(lot)

    ctx.update(controlled_lots=lots)
    return ctx


def seed_ledger(ctx: dict) -> dict:
    """The ledger activity around the clinical demo's doses: a waste and a count."""
    clinic, staff, password = ctx["clinic"], ctx["staff"], ctx["password"]
    medical, nurse = staff["medical"], _nurse(clinic, password)
    vial_lot = Lot.objects.get(clinic=clinic, lot_number=LOTS[0][1])
    last = (
        DosingRecord.objects.filter(
            session__clinic=clinic,
            administered_at__isnull=False,
            ledger_entries__lot=vial_lot,
            ledger_entries__kind=EntryKind.ADMINISTRATION,
        )
        .select_related("administered_by")
        .order_by("-administered_at")
        .first()
    )
    wasted = LedgerEntry.objects.filter(lot=vial_lot, kind=EntryKind.WASTE).exists()
    if last is not None and not wasted:
        services.entry_record(
            lot=vial_lot,
            kind=EntryKind.WASTE,
            quantity_mg="5",
            staff=last.administered_by,
            witness=nurse if last.administered_by_id != nurse.pk else medical,
            witness_password=password,
            dosing_record=last,
            # 0.1 mL more than the dose was drawn; the dose's record did not say so.
            drawn_mg=last.dose_mg + Decimal("5"),
            occurred_at=last.administered_at + datetime.timedelta(minutes=2),
            reason="Unused remainder of the drawn dose (0.1 mL)",
        )
    if not PhysicalCount.objects.filter(lot=vial_lot, inventory__isnull=True).exists():
        balance = LedgerEntry.objects.filter(lot=vial_lot).order_by("seq").last().balance_after_mg
        services.count_record(
            lot=vial_lot,
            counted_units=vial_lot.product.units_for(balance),
            counted_by=medical,
            second_counter=nurse,
            second_counter_password=password,
            note="Weekly count at close of business.",
        )
    return ctx
