"""Reads of the ledger, scoped to who is asking (admins and medical staff of the clinic)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    DecimalField,
    Exists,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from backend.roles import actor_for
from controlled.choices import CountStatus, EntryKind, InventoryKind, ProductForm
from controlled.models import (
    Inventory,
    LedgerEntry,
    LossNotice,
    Lot,
    PhysicalCount,
    Registration,
)
from controlled.validators import ndc_11
from practice.models import Clinic, Patient

EXPIRING_SOON_DAYS = 60
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=12, decimal_places=2))

ENTRY_RELATED = (
    "lot__product",
    "staff__user",
    "witness__user",
    "second_witness__user",
    "recorded_by__user",
    "patient",
    "reverses",
    "reversed_by",
)


def _balance_subquery():
    # A correlated subquery rather than a join + GROUP BY, so the annotation composes with
    # any other filter or join on lots.
    return Coalesce(
        Subquery(
            LedgerEntry.objects.filter(lot=OuterRef("pk"))
            .order_by()
            .values("lot")
            .annotate(total=Sum("quantity_mg"))
            .values("total")[:1]
        ),
        ZERO,
    )


def with_balance(lots: QuerySet[Lot]) -> QuerySet[Lot]:
    """Annotate each lot with `balance_mg`: the sum of its ledger entries."""
    return lots.annotate(balance_mg=_balance_subquery())


def lot_list(*, user, in_stock_only: bool = False) -> QuerySet[Lot]:
    """Lots `user` may see with their balance and product, soonest expiry first."""
    lots = with_balance(Lot.objects.visible_to(user).select_related("product"))
    if in_stock_only:
        lots = lots.filter(balance_mg__gt=0)
    return lots.order_by("expires_on", "lot_number")


def lot_get(*, user, pk) -> Lot:
    return lot_list(user=user).get(pk=pk)


def lot_balance(lot: Lot) -> Decimal:
    """The balance of a lot: the sum of its entries (no stored balance is trusted)."""
    return LedgerEntry.objects.filter(lot=lot).aggregate(total=Sum("quantity_mg"))[
        "total"
    ] or Decimal("0")


def lots_for_dosing(*, clinic_id: int, on: datetime.date | None = None) -> QuerySet[Lot]:
    """Lots a dose may be drawn from: in stock and not expired (on `on`, default the
    clinic's today)."""
    on = on or Clinic.today_of(clinic_id)
    return with_balance(
        Lot.objects.for_clinic(clinic_id).filter(expires_on__gte=on).select_related("product")
    ).filter(balance_mg__gt=0)


def with_patient_named(entries: QuerySet[LedgerEntry], *, user) -> QuerySet[LedgerEntry]:
    """Annotate each entry with `patient_named`: whether `user` may read its patient's name.

    The ledger is clinic-wide for admins and medical staff (a DEA record keeper must see
    every movement of stock), but a name is shown only to who may see the patient: an admin,
    or a member of the patient's care team. Everyone else reads `patient_reference`'s
    initials and record number. A correlated EXISTS, so no query per entry.
    """
    actor = actor_for(user)
    if actor is not None and actor.is_admin:
        return entries.annotate(patient_named=Value(True, output_field=BooleanField()))
    visible = Patient.objects.visible_to(user).filter(pk=OuterRef("patient_id"))
    return entries.annotate(patient_named=Exists(visible))


def patient_reference(entry: LedgerEntry) -> str:
    """The patient of a ledger entry as its reader may see it: the full name when the
    entry was read with `patient_named` true, else initials and record number
    ("E.P. · record 12"); "" when the entry has no patient. The one place the ledger's API,
    pages and reports render a patient."""
    patient = entry.patient
    if patient is None:
        return ""
    if getattr(entry, "patient_named", False):
        return patient.full_name
    initials = "".join(
        f"{part[0].upper()}."
        for part in (patient.legal_first_name, patient.legal_last_name)
        if part
    )
    return f"{initials} · record {patient.pk}"


def entry_list(*, user, lot: Lot | None = None) -> QuerySet[LedgerEntry]:
    entries = with_patient_named(
        LedgerEntry.objects.visible_to(user).select_related(*ENTRY_RELATED), user=user
    )
    if lot is not None:
        entries = entries.filter(lot=lot)
    return entries


def entries_for_dosing(*, user, dosing_record) -> QuerySet[LedgerEntry]:
    return entry_list(user=user).filter(dosing_record=dosing_record).order_by("occurred_at", "pk")


@dataclass(frozen=True)
class DoseDraw:
    """What was drawn for a dose, given, and wasted of the remainder so far (mg).

    `drawn_mg` is None while nobody has recorded the draw (neither the administration nor a
    waste of the dose)."""

    drawn_mg: Decimal | None
    given_mg: Decimal
    wasted_mg: Decimal

    @property
    def left_mg(self) -> Decimal | None:
        """The most that may still be wasted against the dose."""
        if self.drawn_mg is None:
            return None
        return max(self.drawn_mg - self.given_mg - self.wasted_mg, Decimal("0"))


def dose_draw(*, dosing_record, administration: LedgerEntry) -> DoseDraw:
    """The draw of a dose whose active administration is `administration`: the draw that
    entry recorded, else the one the first waste of the dose stated; waste net of
    reversals."""
    wastes = list(
        LedgerEntry.objects.filter(
            dosing_record=dosing_record, kind=EntryKind.WASTE, reversed_by__isnull=True
        ).order_by("pk")
    )
    stated = next((w.drawn_mg for w in wastes if w.drawn_mg is not None), None)
    return DoseDraw(
        drawn_mg=administration.drawn_mg if administration.drawn_mg is not None else stated,
        given_mg=-administration.quantity_mg,
        wasted_mg=-sum((w.quantity_mg for w in wastes), Decimal("0")),
    )


def loss_notice_list(*, user, open_only: bool = False) -> QuerySet[LossNotice]:
    """The loss notices addressed to `user`, newest first, with what they point at."""
    notices = LossNotice.objects.visible_to(user).select_related(
        "entry__lot__product", "entry__staff__user", "entry__witness__user"
    )
    return notices.open() if open_only else notices


def count_list(*, user, status: str | None = None) -> QuerySet[PhysicalCount]:
    counts = PhysicalCount.objects.visible_to(user).select_related(
        "lot__product",
        "counted_by__user",
        "second_counter__user",
        "resolved_by__user",
        "adjustment",
    )
    if status:
        counts = counts.filter(status=status)
    return counts


def open_discrepancies(*, user) -> QuerySet[PhysicalCount]:
    return count_list(user=user, status=CountStatus.OPEN)


def _staff_name(path: str) -> tuple[str, ...]:
    """The columns `StaffMember.display_name` reads, for the staff member under `path`."""
    return (
        f"{path}__credentials",
        f"{path}__user__first_name",
        f"{path}__user__last_name",
        f"{path}__user__username",
    )


def loss_notice_alerts(*, user) -> QuerySet[LossNotice]:
    """The open notices of `loss_notice_list`, narrowed to what `_loss_notices.html` shows
    (the dashboard builds this on every visit: each selected column costs compile time)."""
    return loss_notice_list(user=user, open_only=True).only(
        "entry__kind",
        "entry__quantity_mg",
        "entry__occurred_at",
        "entry__lot__lot_number",
        "entry__lot__product__name",
        *_staff_name("entry__staff"),
        *_staff_name("entry__witness"),
    )


def discrepancy_alerts(*, user) -> QuerySet[PhysicalCount]:
    """`open_discrepancies` narrowed to what the dashboard shows: the lot's number and the
    difference between the count and the ledger."""
    return (
        PhysicalCount.objects.visible_to(user)
        .filter(status=CountStatus.OPEN)
        .select_related("lot")
        .only("counted_mg", "ledger_balance_mg", "lot__lot_number")
    )


def inventory_list(*, user) -> QuerySet[Inventory]:
    return Inventory.objects.visible_to(user).select_related(
        "taken_by__user", "second_counter__user"
    )


def inventory_get(*, user, pk) -> Inventory:
    return inventory_list(user=user).get(pk=pk)


def inventory_lines(inventory: Inventory) -> QuerySet[PhysicalCount]:
    return inventory.counts.select_related("lot__product").order_by(
        "lot__product__name", "lot__expires_on", "lot__lot_number"
    )


def _last_inventory_day(clinic_id: int) -> QuerySet[Inventory]:
    return (
        Inventory.objects.for_clinic(clinic_id)
        .filter(kind__in=[InventoryKind.INITIAL, InventoryKind.BIENNIAL])
        .order_by("-taken_on")
        .values_list("taken_on", flat=True)
    )


def _two_years_after(last: datetime.date | None) -> datetime.date | None:
    if last is None:
        return None
    try:
        return last.replace(year=last.year + 2)
    except ValueError:  # 29 February
        return last.replace(year=last.year + 2, day=28)


def biennial_due(*, clinic_id: int) -> datetime.date | None:
    """The date by which the next inventory is due: two years after the last one."""
    return _two_years_after(_last_inventory_day(clinic_id).first())


def dashboard_alerts(*, user, clinic_id: int, today: datetime.date) -> dict:
    """What the dashboard's ledger panel shows `user`: their open loss notices, the open
    count discrepancies, the lots in stock expiring within EXPIRING_SOON_DAYS and the
    biennial inventory's due date.

    Two queries on a usual day: the lots, and together whether there is any open notice or
    discrepancy and the last inventory's day; then one query per list that has something.
    """
    notices = LossNotice.objects.visible_to(user).open()
    counts = PhysicalCount.objects.visible_to(user).filter(status=CountStatus.OPEN)
    found = (
        Clinic.objects.filter(pk=clinic_id)
        .values(
            notices=Exists(notices),
            counts=Exists(counts),
            last_inventory=Subquery(_last_inventory_day(clinic_id)[:1]),
        )
        .get()
    )
    expiring = lots_for_dosing(clinic_id=clinic_id, on=today).filter(
        expires_on__lte=today + datetime.timedelta(days=EXPIRING_SOON_DAYS)
    )
    due = _two_years_after(found["last_inventory"])
    return {
        "loss_notices": list(loss_notice_alerts(user=user)) if found["notices"] else [],
        "open_counts": list(discrepancy_alerts(user=user)) if found["counts"] else [],
        "expiring": list(expiring.only("lot_number", "expires_on", "product__name")),
        "biennial_due": due,
        "biennial_overdue": due is not None and due <= today,
    }


def registration_for(clinic_id: int) -> Registration | None:
    return Registration.objects.filter(clinic_id=clinic_id).first()


def local_day_bounds(clinic, start: datetime.date, end: datetime.date):
    """[start 00:00, end+1 00:00) in the clinic's time zone, as aware datetimes."""
    zone = clinic.zone
    low = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    high = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, zone)
    return low, high


def stock_summary(*, user) -> dict:
    """What the stock page and the dashboard panel show at a glance."""
    actor = actor_for(user)
    today = Clinic.today_of(actor.clinic_id) if actor else timezone.localdate()
    lots = list(lot_list(user=user))
    on_hand = [lot for lot in lots if lot.balance_mg > 0]
    for lot in lots:
        # SQLite returns the summed balance without its scale; show it as 12.50 everywhere.
        lot.balance_mg = Decimal(lot.balance_mg).quantize(Decimal("0.01"))
        lot.balance_units = lot.product.units_for(lot.balance_mg)
        lot.balance_containers = lot.product.containers_for(lot.balance_mg)
        lot.expired = lot.expires_on < today
        lot.expiring_soon = not lot.expired and (lot.expires_on - today).days <= EXPIRING_SOON_DAYS
    return {
        "lots": lots,
        "on_hand": on_hand,
        "expiring": [lot for lot in on_hand if lot.expiring_soon],
        "expired_on_hand": [lot for lot in on_hand if lot.expired],
        "open_counts": list(open_discrepancies(user=user)),
        "loss_notices": list(loss_notice_list(user=user, open_only=True)),
    }


@dataclass(frozen=True)
class DoseDrug:
    """The drug of a dose as a claim line states it (CMS-1500 box 24's shaded area): the
    product's 11-digit NDC, the dose in mg, and the quantity given in the product's unit
    (mL of a vial's solution, else units: troches or nasal spray devices)."""

    ndc: str
    dose_mg: Decimal
    quantity: Decimal
    unit: str  # "ML" or "UN", the N4 unit qualifiers


def dose_drug(*, dosing_record_id: int) -> DoseDrug | None:
    """The drug of a recorded dose from the lot its active administration drew, or None
    when no administration is recorded or the product has no valid NDC."""
    entry = (
        LedgerEntry.objects.filter(
            dosing_record_id=dosing_record_id,
            kind=EntryKind.ADMINISTRATION,
            reversed_by__isnull=True,
        )
        .select_related("lot__product")
        .order_by("-pk")
        .first()
    )
    if entry is None:
        return None
    product = entry.lot.product
    try:
        ndc = ndc_11(product.ndc)
    except ValidationError:
        return None
    dose_mg = -entry.quantity_mg
    quantity = (dose_mg / product.strength_mg).quantize(Decimal("0.001"))
    unit = "ML" if product.form == ProductForm.VIAL else "UN"
    return DoseDrug(ndc=ndc, dose_mg=dose_mg, quantity=quantity, unit=unit)
