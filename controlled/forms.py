"""Forms for the ledger pages: they validate input for the services and never save."""

from django import forms
from django.utils import timezone

from controlled.choices import WITNESSES_NEEDED, EntryKind, InventoryKind, TimeOfDay
from controlled.models import Product, Registration
from controlled.selectors import lots_for_dosing
from practice.models import StaffMember


def staff_choices(clinic_id: int, *, exclude_id: int | None = None):
    staff = StaffMember.objects.for_clinic(clinic_id).filter(is_active=True).select_related("user")
    return staff.exclude(pk=exclude_id) if exclude_id else staff


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.get_role_display()})"


def _witness_fields(form, clinic_id, me_id, *, prefix="witness", label="Witness", required=True):
    form.fields[prefix] = StaffChoiceField(
        queryset=staff_choices(clinic_id, exclude_id=me_id),
        label=label,
        required=required,
        help_text="A second staff member, present, who confirms with their own password.",
    )
    form.fields[f"{prefix}_password"] = forms.CharField(
        label=f"{label}'s password",
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        required=required,
        strip=False,
    )


DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"})


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = [
            "substance",
            "name",
            "form",
            "strength_mg",
            "units_per_container",
            "schedule",
            "ndc",
        ]

    def save(self, commit=True):  # pragma: no cover - writes go through the services
        raise NotImplementedError


class RegistrationForm(forms.ModelForm):
    class Meta:
        model = Registration
        fields = ["registrant_name", "dea_number", "schedules", "expires_on"]
        widgets = {"expires_on": DATE}

    def save(self, commit=True):  # pragma: no cover
        raise NotImplementedError


class LotReceiveForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.none())
    lot_number = forms.CharField(max_length=40)
    expires_on = forms.DateField(widget=DATE)
    containers_received = forms.IntegerField(min_value=1, label="Containers received")
    invoice_number = forms.CharField(max_length=60, label="Invoice / packing slip number")
    received_at = forms.DateTimeField(
        widget=DATETIME, required=False, help_text="Leave empty for now."
    )
    supplier_name = forms.CharField(max_length=200)
    supplier_address = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    supplier_dea_number = forms.CharField(max_length=12, label="Supplier DEA number")
    reference = forms.CharField(
        max_length=60, required=False, label="DEA Form 222 / CSOS number (Schedule II only)"
    )

    def __init__(self, *args, clinic_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.for_clinic(clinic_id).filter(
            is_active=True
        )


# Which fields each kind of manual entry shows (witnesses are added separately).
ENTRY_FIELDS = {
    EntryKind.WASTE: ["quantity_mg", "reason", "occurred_at"],
    EntryKind.LOSS: ["quantity_mg", "reason", "reference", "occurred_at"],
    EntryKind.THEFT: ["quantity_mg", "reason", "reference", "occurred_at"],
    EntryKind.RETURN: [
        "quantity_mg",
        "counterparty_name",
        "counterparty_address",
        "counterparty_dea_number",
        "reference",
        "reason",
        "occurred_at",
    ],
    EntryKind.TRANSFER: [
        "quantity_mg",
        "counterparty_name",
        "counterparty_address",
        "counterparty_dea_number",
        "reference",
        "reason",
        "occurred_at",
    ],
    EntryKind.DESTRUCTION: ["quantity_mg", "method", "reference", "reason", "occurred_at"],
    EntryKind.ADJUSTMENT: ["quantity_mg", "reason", "occurred_at"],
}
REASON_LABEL = {
    EntryKind.LOSS: "Circumstances (what happened, when it was noticed)",
    EntryKind.THEFT: "Circumstances (what is missing, when and how it was found, police report)",
    EntryKind.ADJUSTMENT: "Reason for the adjustment",
    EntryKind.WASTE: "Reason",
}


class EntryForm(forms.Form):
    quantity_mg = forms.DecimalField(max_digits=12, decimal_places=2, label="Quantity (mg)")
    occurred_at = forms.DateTimeField(
        widget=DATETIME, required=False, label="When", help_text="Leave empty for now."
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    method = forms.CharField(max_length=200, label="Method of destruction", required=False)
    counterparty_name = forms.CharField(max_length=200, label="Registrant receiving it")
    counterparty_address = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    counterparty_dea_number = forms.CharField(max_length=12, label="Their DEA number")
    reference = forms.CharField(
        max_length=60, required=False, label="DEA form / report number (41, 106, 222)"
    )

    def __init__(self, *args, kind: str, clinic_id: int, me_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        keep = ENTRY_FIELDS[kind]
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "reason" in self.fields:
            self.fields["reason"].required = kind in (
                EntryKind.WASTE,
                EntryKind.LOSS,
                EntryKind.THEFT,
                EntryKind.ADJUSTMENT,
            )
            self.fields["reason"].label = REASON_LABEL.get(kind, "Note")
        if "method" in self.fields:
            self.fields["method"].required = True
        if kind == EntryKind.ADJUSTMENT:
            self.fields[
                "quantity_mg"
            ].help_text = "Positive if stock was found, negative if missing."
        else:
            self.fields["quantity_mg"].min_value = 0
            self.fields["quantity_mg"].help_text = "Milligrams that left the lot."
        # The service decides who must confirm; the form asks for as many.
        if WITNESSES_NEEDED[kind] >= 1:
            _witness_fields(self, clinic_id, me_id)
        if WITNESSES_NEEDED[kind] >= 2:
            _witness_fields(self, clinic_id, me_id, prefix="second_witness", label="Second witness")


class WasteForDoseForm(forms.Form):
    drawn_mg = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        label="Drawn for this dose (mg)",
        help_text="What was drawn up for the dose; stated once, with its first waste.",
    )
    quantity_mg = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        label="Unused remainder wasted (mg)",
    )
    reason = forms.CharField(initial="Unused remainder of the drawn dose", max_length=500)

    def __init__(self, *args, clinic_id: int, me_id: int, draw_known: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if draw_known:
            del self.fields["drawn_mg"]
        _witness_fields(self, clinic_id, me_id)


class AcknowledgeForm(forms.Form):
    """Acknowledge a loss notice; `next` is where to go after (a page of ours)."""

    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ReverseForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="What was wrong with the entry"
    )

    def __init__(self, *args, clinic_id: int, me_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        _witness_fields(self, clinic_id, me_id)


class CountForm(forms.Form):
    counted_units = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, clinic_id: int, me_id: int, unit: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counted_units"].label = f"Counted on the shelf ({unit})"
        _witness_fields(self, clinic_id, me_id, prefix="second_counter", label="Second counter")


class ResolveForm(forms.Form):
    explanation = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    adjust = forms.BooleanField(
        required=False,
        label="The shelf is right: adjust the ledger by the difference (witnessed)",
    )

    def __init__(self, *args, clinic_id: int, me_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        _witness_fields(self, clinic_id, me_id, required=False)


class InventoryForm(forms.Form):
    kind = forms.ChoiceField(choices=InventoryKind.choices)
    taken_on = forms.DateField(widget=DATE, initial=timezone.localdate)
    time_of_day = forms.ChoiceField(choices=TimeOfDay.choices, label="Taken at")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, clinic_id: int, me_id: int, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.lots = lots
        for lot in lots:
            self.fields[f"lot_{lot.pk}"] = forms.DecimalField(
                max_digits=10,
                decimal_places=2,
                min_value=0,
                label=f"{lot.product} · lot {lot.lot_number} ({lot.product.unit_label})",
                help_text=f"Expires {lot.expires_on:%Y-%m-%d}; the ledger is compared after.",
            )
        _witness_fields(self, clinic_id, me_id, prefix="second_counter", label="Second counter")

    def lot_fields(self):
        return [self[f"lot_{lot.pk}"] for lot in self.lots]

    def counts(self) -> dict:
        return {lot.pk: self.cleaned_data[f"lot_{lot.pk}"] for lot in self.lots}


class LogForm(forms.Form):
    start = forms.DateField(widget=DATE)
    end = forms.DateField(widget=DATE)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("The end of the period is before its start.")
        return data


class DosingLotField(forms.ModelChoiceField):
    """The lot a dose is drawn from: only lots in stock and not expired, with their balance.

    The dosing form of the clinical pages uses it; the service checks again under the lot's
    row lock, so a lot emptied meanwhile is still refused.
    """

    def __init__(self, *, clinic_id: int, **kwargs):

        kwargs.setdefault("label", "Lot drawn from")
        kwargs.setdefault("empty_label", "Choose a lot in stock")
        super().__init__(queryset=lots_for_dosing(clinic_id=clinic_id), **kwargs)

    def label_from_instance(self, lot):
        return (
            f"{lot.product.name} · lot {lot.lot_number} · exp. {lot.expires_on:%Y-%m-%d} · "
            f"{lot.balance_mg:.2f} mg left"
        )
