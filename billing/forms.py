"""Web forms of the billing pages: they validate input; the services hold the rules."""

import datetime
from decimal import Decimal

from django import forms

from backend.formatting import format_money
from billing.choices import PaymentMethod
from practice.choices import SessionKind


def _last_month() -> tuple[datetime.date, datetime.date]:
    first_this = datetime.date.today().replace(day=1)
    last = first_this - datetime.timedelta(days=1)
    return last.replace(day=1), last


class PaymentForm(forms.Form):
    method = forms.ChoiceField(choices=PaymentMethod.choices)
    amount = forms.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    received_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(max_length=80, required=False)
    note = forms.CharField(max_length=200, required=False)


class PlanForm(forms.Form):
    total = forms.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    instalments = forms.IntegerField(min_value=1, max_value=36, initial=3)
    first_due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        # Shares the ledger page with the payment form: its own element ids, so each label
        # focuses its own input.
        kwargs.setdefault("auto_id", "id_plan_%s")
        super().__init__(*args, **kwargs)


class PeriodForm(forms.Form):
    period_start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        start, end = _last_month()
        self.fields["period_start"].initial = start
        self.fields["period_end"].initial = end


class MonthForm(forms.Form):
    month = forms.DateField(
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text="Superbills for every patient with paid charges in this month.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].initial = _last_month()[0]


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=200)


def _codes(value: str) -> list[str]:
    return [part.strip().upper() for part in value.replace(",", " ").split() if part.strip()]


class ChargeForm(forms.Form):
    code = forms.CharField(max_length=5)
    date_of_service = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    units = forms.IntegerField(min_value=1, initial=1)
    modifiers = forms.CharField(required=False, help_text="Up to 4, e.g. 25 59")
    diagnosis_pointers = forms.CharField(initial="1", help_text="Diagnosis ranks, e.g. 1 2")
    rendering_provider = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rendering_provider"].queryset = providers

    def clean_modifiers(self):
        return _codes(self.cleaned_data["modifiers"])

    def clean_diagnosis_pointers(self):
        try:
            return [int(p) for p in _codes(self.cleaned_data["diagnosis_pointers"])]
        except ValueError as exc:
            raise forms.ValidationError("Pointers are diagnosis ranks: numbers 1–12.") from exc


class ChargeEditForm(forms.Form):
    units = forms.IntegerField(min_value=1)
    modifiers = forms.CharField(required=False)
    diagnosis_pointers = forms.CharField()

    clean_modifiers = ChargeForm.clean_modifiers
    clean_diagnosis_pointers = ChargeForm.clean_diagnosis_pointers


class SlidingScaleForm(forms.Form):
    percent = forms.DecimalField(
        label="Discount (%)",
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        help_text="Off the standard fee of charges created from now on.",
    )
    reason = forms.CharField(max_length=200, required=False)


class PackageForm(forms.Form):
    name = forms.CharField(max_length=120, initial="Induction course")
    price = forms.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"))
    sessions_included = forms.IntegerField(min_value=1, max_value=100, initial=6)
    session_kind = forms.ChoiceField(
        label="Sessions of kind",
        choices=[("", "Any kind"), *SessionKind.choices],
        required=False,
        initial=SessionKind.DOSING,
    )
    starts_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class RetreatPackageForm(forms.Form):
    enrollment = forms.ModelChoiceField(queryset=None, label="Retreat", empty_label=None)
    price = forms.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        help_text="Leave empty for the retreat's price.",
    )

    def __init__(self, *args, enrollments=None, **kwargs):
        # Shares the ledger page with the prepaid package form (both have a price).
        kwargs.setdefault("auto_id", "id_retreat_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["enrollment"]
        field.queryset = enrollments
        field.label_from_instance = lambda e: (
            f"{e.retreat.name} ({e.retreat.starts_on:%b %-d}–{e.retreat.ends_on:%b %-d, %Y}, "
            f"{format_money(e.retreat.price)})"
        )


class CardAmountForm(forms.Form):
    """An amount to pay (or take, or refund) by card."""

    amount = forms.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01"), label="Amount ($)"
    )

    def __init__(self, *args, prefix_id="card", **kwargs):
        kwargs.setdefault("auto_id", f"id_{prefix_id}_%s")
        super().__init__(*args, **kwargs)


class EstimateForm(forms.Form):
    """Issue a Good Faith Estimate from one of the patient's treatment plans."""

    plan = forms.ModelChoiceField(queryset=None, label="Treatment plan")
    self_pay = forms.BooleanField(
        required=False,
        label="Self-pay requested",
        help_text="The patient is insured but asked not to bill the insurance.",
    )

    def __init__(self, *args, plans, **kwargs):
        kwargs.setdefault("auto_id", "id_estimate_%s")
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        self.fields["plan"].label_from_instance = lambda plan: (
            f"Plan {plan.pk}: {plan.get_route_display()} ({plan.get_status_display()})"
        )


class ClaimForm(forms.Form):
    """Make a claim from some of the patient's open (approved, unclaimed) charges."""

    charges = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        label="Charges to claim",
        error_messages={"required": "Choose at least one charge."},
    )
    payer_id = forms.CharField(
        max_length=80,
        required=False,
        label="Payer ID",
        help_text="The insurer's electronic payer ID; blank uses the one on the patient's record.",
    )

    def __init__(self, *args, charges, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["charges"].queryset = charges
        self.fields["charges"].label_from_instance = lambda c: (
            f"{c.date_of_service:%b %-d, %Y} · {c.code} · {format_money(c.amount)}"
        )


class ClaimStatusForm(forms.Form):
    """Record a claim's status by hand (what the payer said outside an 835)."""

    status = forms.ChoiceField(choices=[])
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, statuses, **kwargs):
        kwargs.setdefault("auto_id", "id_status_%s")
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s.value, s.label) for s in statuses]


class ClaimResubmitForm(forms.Form):
    note = forms.CharField(
        max_length=200, label="What was corrected", help_text="Kept in the claim's history."
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_resubmit_%s")
        super().__init__(*args, **kwargs)


class RemittanceForm(forms.Form):
    # An 835 is a few kilobytes per claim; a megabyte holds thousands.
    MAX_BYTES = 2 * 1024 * 1024

    file = forms.FileField(label="835 remittance file")

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than an 835 remittance can be.")
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                "This is not a text file: choose the 835 remittance (.835, .txt, .edi)."
            ) from exc
