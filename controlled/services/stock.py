"""Writes that stock the ledger: the clinic's DEA registration, its products, and
receiving a lot (the lot and its receipt entry, in one transaction).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from controlled.choices import EntryKind
from controlled.errors import LotExpired
from controlled.models import Lot, Product, Registration
from controlled.models._common import MG_MAX
from controlled.services._common import append_entry, check_when, same_clinic
from controlled.validators import normalize_dea_number
from practice.models import Clinic, StaffMember


@transaction.atomic
def registration_set(
    *, clinic: Clinic, registrant_name: str, dea_number: str, schedules: str = "", expires_on=None
) -> Registration:
    """Record or replace the clinic's DEA registration (printed on every report)."""
    registration = Registration.objects.filter(clinic=clinic).first() or Registration(clinic=clinic)
    registration.registrant_name = registrant_name
    registration.dea_number = normalize_dea_number(dea_number)
    if schedules:
        registration.schedules = schedules
    registration.expires_on = expires_on
    registration.full_clean()
    registration.save()
    return registration


@transaction.atomic
def product_create(
    *,
    clinic: Clinic,
    name: str,
    form: str,
    strength_mg: Decimal,
    units_per_container: Decimal,
    substance: str = "Ketamine hydrochloride",
    schedule: str = "III",
    ndc: str = "",
) -> Product:
    """Add a product the clinic stocks. Raises ValidationError per field."""
    product = Product(
        clinic=clinic,
        name=name,
        form=form,
        strength_mg=strength_mg,
        units_per_container=units_per_container,
        substance=substance,
        schedule=schedule,
        ndc=ndc,
    )
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def lot_receive(
    *,
    product: Product,
    lot_number: str,
    expires_on: datetime.date,
    supplier_name: str,
    supplier_address: str,
    supplier_dea_number: str,
    containers_received: int,
    invoice_number: str,
    received_by: StaffMember,
    received_at: datetime.datetime | None = None,
    reference: str = "",
) -> Lot:
    """Receive a lot: creates the lot and its receipt entry (containers × mg per container).

    Refuses an already expired lot, a supplier DEA number whose check digit fails, and a lot
    number already received for this product. Raises ValidationError per field or DomainError.
    """
    same_clinic(product.clinic_id, received_by)
    received_at = check_when(received_at)
    if not invoice_number.strip():
        raise ValidationError({"invoice_number": ["Give the invoice or packing-slip number."]})
    lot = Lot(
        clinic_id=product.clinic_id,
        product=product,
        lot_number=lot_number.strip(),
        expires_on=expires_on,
        supplier_name=supplier_name,
        supplier_address=supplier_address,
        supplier_dea_number=normalize_dea_number(supplier_dea_number),
        containers_received=containers_received,
    )
    lot.full_clean()
    if product.mg_per_container * containers_received > MG_MAX:
        raise ValidationError(
            {
                "containers_received": [
                    f"{containers_received} containers of {product.name} exceed what one lot "
                    f"can record ({MG_MAX:,.0f} mg)."
                ]
            }
        )
    if lot.is_expired(product.clinic.date_of(received_at)):
        raise LotExpired(
            f"Lot {lot.lot_number} expired on {lot.expires_on:%b %-d, %Y}; "
            "expired stock is not received into use."
        )
    lot.save()
    append_entry(
        lot_id=lot.pk,
        quantity_mg=product.mg_per_container * containers_received,
        kind=EntryKind.RECEIPT,
        occurred_at=received_at,
        staff=received_by,
        recorded_by=received_by,
        invoice_number=invoice_number.strip(),
        counterparty_name=supplier_name,
        counterparty_address=supplier_address,
        counterparty_dea_number=lot.supplier_dea_number,
        reference=reference,
    )
    return lot
