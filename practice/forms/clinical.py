"""Screening, the treatment plan and safety alerts: they validate input for the services
and never save on their own."""

from decimal import Decimal

from django import forms

from practice.choices import Route


class ScreeningForm(forms.Form):
    screened_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    baseline_systolic = forms.IntegerField(label="Baseline systolic", min_value=50, max_value=300)
    baseline_diastolic = forms.IntegerField(label="Baseline diastolic", min_value=20, max_value=200)
    baseline_heart_rate = forms.IntegerField(
        label="Baseline heart rate", min_value=20, max_value=250
    )
    weight_kg = forms.DecimalField(
        label="Weight (kg)", max_digits=5, decimal_places=1, min_value=20
    )
    medications = forms.CharField(
        label="Current medications", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, checklist, **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = list(checklist)
        for item in self.checklist:
            self.fields[f"ci_{item.pk}"] = forms.BooleanField(required=False, label=item.name)
            # The note sits in the item's table row, its label is the row: say so to
            # screen readers (axe: label).
            self.fields[f"ci_{item.pk}_note"] = forms.CharField(
                required=False,
                max_length=300,
                label=f"Note on {item.name}",
                widget=forms.TextInput(attrs={"aria-label": f"Note on {item.name}"}),
            )

    def checklist_rows(self):
        return [
            (item, self[f"ci_{item.pk}"], self[f"ci_{item.pk}_note"]) for item in self.checklist
        ]

    def findings(self) -> list[dict]:
        return [
            {
                "contraindication_id": item.pk,
                "note": self.cleaned_data.get(f"ci_{item.pk}_note", ""),
            }
            for item in self.checklist
            if self.cleaned_data.get(f"ci_{item.pk}")
        ]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlanForm(forms.Form):
    """The plan's route and starting dose (ketamine in mg/kg, esketamine 56 or 84 mg: the
    model says which applies) and its schedule; the service checks the combination."""

    route = forms.ChoiceField(choices=Route.choices)
    starting_dose_mg_per_kg = forms.DecimalField(
        label="Starting dose (mg/kg)",
        max_digits=5,
        decimal_places=3,
        min_value=0.01,
        max_value=10,
        required=False,
    )
    starting_dose_mg = forms.TypedChoiceField(
        label="Starting dose (esketamine)",
        choices=[("", "—"), ("56", "56 mg (2 devices)"), ("84", "84 mg (3 devices)")],
        coerce=Decimal,
        empty_value=None,
        required=False,
    )
    induction_target_sessions = forms.IntegerField(
        label="Induction dosing sessions",
        min_value=1,
        max_value=20,
        required=False,
        help_text="Empty: 6 (esketamine: 8, the label's twice a week for 4 weeks).",
    )
    induction_weeks = forms.IntegerField(
        label="Over about (weeks)",
        min_value=1,
        max_value=26,
        required=False,
        help_text="Empty: 3 (esketamine: 4).",
    )
    maintenance_interval_days = forms.IntegerField(
        label="Maintenance every (days)", min_value=7, max_value=365, initial=30
    )
    diagnoses = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    goals = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, diagnoses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["diagnoses"].queryset = diagnoses


class PlanTargetForm(forms.Form):
    induction_target_sessions = forms.IntegerField(
        label="New induction target (doses)", min_value=1, max_value=20
    )
    reason = forms.CharField(
        label="Reason for the change", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class AcknowledgeForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="What you did")
