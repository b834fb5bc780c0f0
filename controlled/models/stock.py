"""The DEA registration, the products a clinic stocks and their lots."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from controlled.choices import ROUTES_FOR_FORM, ProductForm, Schedule
from controlled.models._common import MG_MAX, LedgerQuerySet
from controlled.validators import validate_dea_number, validate_ndc
from practice.esketamine import DEVICE_MG


class Registration(models.Model):
    """The clinic's DEA registration: printed on every ledger report and inventory."""

    clinic = models.OneToOneField(
        "practice.Clinic", on_delete=models.PROTECT, related_name="dea_registration"
    )
    registrant_name = models.CharField(max_length=200)
    dea_number = models.CharField(
        "DEA registration number", max_length=9, validators=[validate_dea_number]
    )
    schedules = models.CharField(max_length=40, default="2, 2N, 3, 3N, 4, 5")
    expires_on = models.DateField(null=True, blank=True)

    objects = LedgerQuerySet.as_manager()

    def __str__(self):
        return f"{self.registrant_name} ({self.dea_number})"


class Product(models.Model):
    """A controlled-substance product the clinic stocks, in its commercial container.

    `strength_mg` is per mL for a vial, per troche for a troche and per device for the
    esketamine nasal spray; `units_per_container` is the mL in a vial, the troches in a
    bottle or the devices in a kit. 50 mg/mL × 10 mL vial: strength 50, 10 units per
    container, 500 mg per container; esketamine 56 mg kit: strength 28, 2 devices.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    substance = models.CharField(max_length=100, default="Ketamine hydrochloride")
    name = models.CharField(
        max_length=150, help_text='How staff recognise it, e.g. "Ketamine 50 mg/mL, 10 mL vial".'
    )
    form = models.CharField(max_length=8, choices=ProductForm.choices)
    strength_mg = models.DecimalField(
        "strength (mg per mL or per unit)",
        max_digits=8,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    units_per_container = models.DecimalField(
        "mL or units per container",
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    schedule = models.CharField(
        "DEA schedule", max_length=4, choices=Schedule.choices, default=Schedule.III
    )
    ndc = models.CharField(
        "NDC",
        max_length=13,
        blank=True,
        validators=[validate_ndc],
        help_text="The label's NDC (5-4-2, or 10 digits with hyphens); billing carries its "
        "11-digit form to the drug's charge line.",
    )
    is_active = models.BooleanField(default=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["substance", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="controlled_product_name_once"),
            models.CheckConstraint(
                condition=Q(strength_mg__gt=0) & Q(units_per_container__gt=0),
                name="controlled_product_positive_strength",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        """An esketamine nasal spray device is esketamine at the label's one strength
        (28 mg per device), and esketamine comes in no other form here."""
        errors = {}
        is_esketamine = "esketamine" in (self.substance or "").lower()
        if self.form == ProductForm.DEVICE:
            if not is_esketamine:
                errors["substance"] = "A nasal spray device here is esketamine's (SPRAVATO)."
            if isinstance(self.strength_mg, Decimal | int) and self.strength_mg != DEVICE_MG:
                errors["strength_mg"] = (
                    f"An esketamine nasal spray device holds {DEVICE_MG} mg (the label's only "
                    "strength)."
                )
        elif is_esketamine:
            errors["form"] = "Esketamine is stocked as its nasal spray device."
        if (
            isinstance(self.strength_mg, Decimal)
            and isinstance(self.units_per_container, Decimal)
            and self.mg_per_container > MG_MAX
        ):
            errors["units_per_container"] = (
                f"A container would hold {self.mg_per_container:,.0f} mg; the ledger records "
                f"at most {MG_MAX:,.0f} mg. Check the strength and the container size."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def unit_label(self) -> str:
        return {
            ProductForm.VIAL: "mL",
            ProductForm.TROCHE: "troche",
            ProductForm.DEVICE: "device",
        }.get(self.form, "unit")

    @property
    def strength_display(self) -> str:
        per = "mL" if self.form == ProductForm.VIAL else self.unit_label
        return f"{self.strength_mg.normalize():f} mg/{per}"

    @property
    def container_display(self) -> str:
        units = f"{self.units_per_container.normalize():f}"
        if self.form == ProductForm.VIAL:
            return f"{units} mL vial"
        if self.form == ProductForm.DEVICE:
            return f"kit of {units} devices"
        return f"{units} {self.unit_label}s per container"

    def suits_route(self, route: str) -> bool:
        """Whether this formulation is given by `route` (a `practice.choices.Route`)."""
        return route in ROUTES_FOR_FORM.get(self.form, frozenset())

    @property
    def mg_per_container(self) -> Decimal:
        return self.strength_mg * self.units_per_container

    def units_for(self, mg: Decimal) -> Decimal:
        return (Decimal(mg) / self.strength_mg).quantize(Decimal("0.01"))

    def containers_for(self, mg: Decimal) -> Decimal:
        return (Decimal(mg) / self.mg_per_container).quantize(Decimal("0.01"))


class Lot(models.Model):
    """One manufacturer's lot of a product as received from one supplier."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=40)
    expires_on = models.DateField()
    supplier_name = models.CharField(max_length=200)
    supplier_address = models.TextField()
    supplier_dea_number = models.CharField(
        "supplier DEA number", max_length=9, validators=[validate_dea_number]
    )
    containers_received = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["expires_on", "lot_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "product", "lot_number"], name="controlled_lot_once"
            ),
            models.CheckConstraint(
                condition=Q(containers_received__gte=1), name="controlled_lot_received_something"
            ),
        ]

    def __str__(self):
        return f"{self.product} · lot {self.lot_number}"

    def is_expired(self, on: datetime.date | None = None) -> bool:
        """A lot may be used through its expiry date and not after."""
        return (on or self.clinic.today()) > self.expires_on
