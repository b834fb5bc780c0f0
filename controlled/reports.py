"""The two records 21 CFR 1304 asks for, as PDF and CSV: the dispensing/administration log
(every receipt, administration and disposal per lot, 1304.22(c)) and the inventory (1304.11).

The reports read the ledger; nothing is ever purged, so any past range can be printed
(records must be kept at least two years, 1304.04(a)).
"""

import csv
import datetime
import io
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from backend.pdf import render_pdf
from controlled.choices import EntryKind
from controlled.models import LedgerEntry, Lot
from controlled.selectors import (
    ENTRY_RELATED,
    local_day_bounds,
    patient_reference,
    registration_for,
    with_patient_named,
)


def _person(staff) -> str:
    return staff.display_name if staff is not None else ""


def administration_log(*, clinic, start: datetime.date, end: datetime.date, user) -> dict:
    """Every lot that had stock or movement in [start, end] (clinic days) with its entries,
    opening and closing balance. Four queries whatever the size of the range.

    Patients appear as `user` may see them (`patient_reference`): by name and address for an
    admin (the registrant's complete record) or the patient's care team, else by initials
    and record number only."""
    if end < start:
        start, end = end, start
    low, high = local_day_bounds(clinic, start, end)
    zone = clinic.zone
    entries = list(
        with_patient_named(LedgerEntry.objects.for_clinic(clinic.pk), user=user)
        .filter(occurred_at__gte=low, occurred_at__lt=high)
        .select_related(*ENTRY_RELATED, "dosing_record")
        .order_by("lot__product__name", "lot__lot_number", "seq")
    )
    opening = dict(
        LedgerEntry.objects.for_clinic(clinic.pk)
        .filter(occurred_at__lt=low)
        .values("lot_id")
        .annotate(total=Sum("quantity_mg"))
        .values_list("lot_id", "total")
    )
    lot_ids = {e.lot_id for e in entries} | {pk for pk, total in opening.items() if total}
    lots = Lot.objects.filter(pk__in=lot_ids).select_related("product")
    sections = []
    for lot in sorted(lots, key=lambda lot: (lot.product.name, lot.lot_number)):
        rows = [e for e in entries if e.lot_id == lot.pk]
        for row in rows:
            row.local_time = timezone.localtime(row.occurred_at, zone)
            row.patient_reference = patient_reference(row)
            row.patient_address = (
                "; ".join(row.patient.address_lines) if row.patient and row.patient_named else ""
            )
        opening_mg = opening.get(lot.pk) or Decimal("0")
        moved = {kind: Decimal("0") for kind in EntryKind.values}
        for row in rows:
            moved[row.kind] += row.quantity_mg
        sections.append(
            {
                "lot": lot,
                "product": lot.product,
                "entries": rows,
                "opening_mg": opening_mg,
                "closing_mg": opening_mg + sum((r.quantity_mg for r in rows), Decimal("0")),
                "received_mg": moved[EntryKind.RECEIPT],
                "administered_mg": -moved[EntryKind.ADMINISTRATION],
                "wasted_mg": -moved[EntryKind.WASTE],
            }
        )
    return {
        "title": "Controlled substance dispensing and administration record",
        "clinic": clinic,
        "registration": registration_for(clinic.pk),
        "start": start,
        "end": end,
        "sections": sections,
        "generated_at": timezone.localtime(timezone.now(), zone),
    }


def administration_log_pdf(**kwargs) -> bytes:
    return render_pdf("controlled/pdf/administration_log.html", administration_log(**kwargs))


# One row per entry. With the registrant's address and the product's NDC, a loss or theft
# row holds what DEA Form 106 asks about it: date, kind, circumstances, product, NDC,
# strength, form, quantity, who recorded and witnessed it, the report number.
LOG_COLUMNS = [
    "registrant",
    "registrant_dea_number",
    "registrant_address",
    "substance",
    "product",
    "ndc",
    "form",
    "strength",
    "container",
    "schedule",
    "lot_number",
    "lot_expires_on",
    "entry_no",
    "date_time",
    "kind",
    "quantity_mg",
    "quantity_units",
    "unit",
    "containers",
    "balance_after_mg",
    "drawn_mg",
    "patient_name",
    "patient_address",
    "dosing_record_id",
    "responsible_person",
    "witness",
    "second_witness",
    "supplier_or_recipient_name",
    "supplier_or_recipient_address",
    "supplier_or_recipient_dea_number",
    "invoice_number",
    "reason_or_circumstances",
    "destruction_method",
    "reference",
    "reverses_entry_no",
    "recorded_by",
    "recorded_at",
]


def administration_log_csv(**kwargs) -> str:
    context = administration_log(**kwargs)
    registration = context["registration"]
    zone = context["clinic"].zone
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LOG_COLUMNS)
    for section in context["sections"]:
        lot, product = section["lot"], section["product"]
        for e in section["entries"]:
            writer.writerow(
                [
                    registration.registrant_name if registration else context["clinic"].name,
                    registration.dea_number if registration else "",
                    "; ".join(context["clinic"].address_lines),
                    product.substance,
                    product.name,
                    product.ndc,
                    product.get_form_display(),
                    product.strength_display,
                    product.container_display,
                    product.schedule,
                    lot.lot_number,
                    lot.expires_on.isoformat(),
                    e.seq,
                    e.local_time.isoformat(timespec="minutes"),
                    e.get_kind_display(),
                    e.quantity_mg,
                    product.units_for(e.quantity_mg),
                    product.unit_label,
                    product.containers_for(e.quantity_mg),
                    e.balance_after_mg,
                    e.drawn_mg if e.drawn_mg is not None else "",
                    e.patient_reference,
                    e.patient_address,
                    e.dosing_record_id or "",
                    _person(e.staff),
                    _person(e.witness),
                    _person(e.second_witness),
                    e.counterparty_name,
                    " ".join(e.counterparty_address.split()),
                    e.counterparty_dea_number,
                    e.invoice_number,
                    e.reason,
                    e.method,
                    e.reference,
                    e.reverses.seq if e.reverses else "",
                    _person(e.recorded_by),
                    timezone.localtime(e.recorded_at, zone).isoformat(timespec="minutes"),
                ]
            )
    return out.getvalue()


def inventory_report(*, inventory) -> dict:
    """A DEA inventory: each product with strength, units per container, full containers
    and the units of an opened container, by lot; who took it, when, opening or close."""
    lines = list(
        inventory.counts.select_related("lot__product").order_by(
            "lot__product__name", "lot__expires_on", "lot__lot_number"
        )
    )
    zone = inventory.clinic.zone
    return {
        "title": f"{inventory.get_kind_display()} of controlled substances",
        "clinic": inventory.clinic,
        "registration": registration_for(inventory.clinic_id),
        "inventory": inventory,
        "lines": lines,
        "total_mg": sum((line.counted_mg for line in lines), Decimal("0")),
        "discrepancies": [line for line in lines if line.counted_mg != line.ledger_balance_mg],
        "generated_at": timezone.localtime(timezone.now(), zone),
    }


def inventory_pdf(*, inventory) -> bytes:
    return render_pdf("controlled/pdf/inventory.html", inventory_report(inventory=inventory))


INVENTORY_COLUMNS = [
    "registrant",
    "registrant_dea_number",
    "inventory",
    "taken_on",
    "time_of_day",
    "taken_by",
    "second_counter",
    "substance",
    "product",
    "form",
    "strength",
    "units_per_container",
    "unit",
    "schedule",
    "lot_number",
    "lot_expires_on",
    "full_containers",
    "open_container_units",
    "counted_units",
    "counted_mg",
    "ledger_balance_mg",
    "discrepancy_mg",
]


def inventory_csv(*, inventory) -> str:
    context = inventory_report(inventory=inventory)
    registration = context["registration"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(INVENTORY_COLUMNS)
    for line in context["lines"]:
        product = line.lot.product
        writer.writerow(
            [
                registration.registrant_name if registration else inventory.clinic.name,
                registration.dea_number if registration else "",
                inventory.get_kind_display(),
                inventory.taken_on.isoformat(),
                inventory.get_time_of_day_display(),
                inventory.taken_by.display_name,
                inventory.second_counter.display_name,
                product.substance,
                product.name,
                product.get_form_display(),
                product.strength_display,
                product.units_per_container,
                product.unit_label,
                product.schedule,
                line.lot.lot_number,
                line.lot.expires_on.isoformat(),
                line.full_containers,
                line.open_container_units,
                line.counted_units,
                line.counted_mg,
                line.ledger_balance_mg,
                line.discrepancy_mg,
            ]
        )
    return out.getvalue()
