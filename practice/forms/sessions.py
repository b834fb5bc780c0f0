"""The session page's forms: booking a session, the pre-dose gate and the dose, vital
signs, adverse events, observations and discharge. They validate input for the services
and never save on their own."""

from django import forms

from practice import ledger
from practice.choices import (
    AdverseEventKind,
    AdverseEventSeverity,
    Route,
    Sedation,
    SessionKind,
    SessionModality,
)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SessionForm(forms.Form):
    kind = forms.ChoiceField(choices=[])
    modality = forms.ChoiceField(
        choices=SessionModality.choices,
        initial=SessionModality.IN_PERSON,
        required=False,  # in person unless chosen
        label="Where",
        help_text="Video: preparation or integration only, with the telehealth consent; no room.",
    )
    clinician = forms.ModelChoiceField(queryset=None)
    plan = forms.ModelChoiceField(queryset=None, required=False)
    starts_at = forms.DateTimeField(label="Starts", widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label="Ends", widget=DateTimeLocalInput())

    def __init__(self, *args, clinicians, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = SessionKind.choices
        self.fields["clinician"].queryset = clinicians
        self.fields["plan"].queryset = plans

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "The session must end after it starts.")
        return data


class DosingForm(forms.Form):
    """The pre-dose gate and the dose. No field is pre-filled with a dose: never prescribe."""

    escort_confirmed = forms.BooleanField(
        required=False, label="Escort / driver confirmed for the ride home"
    )
    fasting_confirmed = forms.BooleanField(required=False, label="Fasting confirmed")
    predose_systolic = forms.IntegerField(label="Pre-dose systolic", min_value=50, max_value=300)
    predose_diastolic = forms.IntegerField(label="Pre-dose diastolic", min_value=20, max_value=200)
    predose_heart_rate = forms.IntegerField(
        label="Pre-dose heart rate", min_value=20, max_value=250, required=False
    )
    predose_spo2 = forms.IntegerField(
        label="Pre-dose SpO2 %", min_value=50, max_value=100, required=False
    )
    route = forms.ChoiceField(choices=Route.choices)
    weight_kg = forms.DecimalField(
        label="Weight (kg)", max_digits=5, decimal_places=1, min_value=20
    )
    weight_confirmed = forms.BooleanField(
        required=False, label="Weight re-checked: it differs from the screening's"
    )
    dose_mg = forms.DecimalField(label="Dose (mg)", max_digits=7, decimal_places=2, min_value=0.01)
    drawn_mg = forms.DecimalField(
        label="Drawn (mg)",
        max_digits=7,
        decimal_places=2,
        min_value=0.01,
        required=False,
        help_text="What was drawn from the lot, if more than the dose: the rest is wasted "
        "with a witness.",
    )
    dose_override = forms.BooleanField(
        required=False, label="Override: give this dose outside the limits"
    )
    dose_override_reason = forms.CharField(
        label="Reason for the override",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, clinic_id: int, **kwargs):

        super().__init__(*args, **kwargs)
        # The controlled-substance ledger lists the lots a dose may be drawn from.
        self.fields["lot"] = ledger.DosingLotField(clinic_id=clinic_id)


class VitalsForm(forms.Form):
    """One reading, typed in a single row of the vitals table. The row has no room for
    visible labels, so each input carries its name for screen readers (and tests)."""

    taken_at = forms.TimeField(
        label="Time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "aria-label": "Time of reading"}),
    )
    systolic = forms.IntegerField(
        min_value=50,
        max_value=300,
        widget=forms.NumberInput(attrs={"placeholder": "SYS", "aria-label": "Systolic"}),
    )
    diastolic = forms.IntegerField(
        min_value=20,
        max_value=200,
        widget=forms.NumberInput(attrs={"placeholder": "DIA", "aria-label": "Diastolic"}),
    )
    heart_rate = forms.IntegerField(
        min_value=20,
        max_value=250,
        widget=forms.NumberInput(attrs={"placeholder": "HR", "aria-label": "Heart rate"}),
    )
    spo2 = forms.IntegerField(
        min_value=50,
        max_value=100,
        label="SpO2",
        widget=forms.NumberInput(attrs={"placeholder": "SpO2", "aria-label": "SpO2"}),
    )


class AdverseEventForm(forms.Form):
    kind = forms.ChoiceField(choices=AdverseEventKind.choices)
    severity = forms.ChoiceField(choices=AdverseEventSeverity.choices)
    description = forms.CharField(max_length=300, required=False)
    action_taken = forms.CharField(max_length=300, required=False)


class ObservationsForm(forms.Form):
    dissociation_score = forms.IntegerField(
        label="Peak dissociation (0–10)", min_value=0, max_value=10, required=False
    )
    sedation = forms.TypedChoiceField(
        label="Deepest sedation",
        choices=[("", "Not assessed yet"), *Sedation.choices],
        required=False,
        empty_value=None,
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DischargeForm(forms.Form):
    """The clinician's checks; whether vital signs are back near baseline is read from the
    readings by the service, not ticked."""

    alert_and_oriented = forms.BooleanField(required=False, label="Alert and oriented")
    escort_present = forms.BooleanField(
        required=False, label="Escort present to take the patient home"
    )
    ready_per_clinical_judgement = forms.BooleanField(
        required=False, label="Clinically stable and ready to leave, in my judgement"
    )


class EsketamineDischargeForm(DischargeForm):
    """After esketamine, the REMS also asks when the patient would have been ready to leave
    were there no two-hour minimum."""

    ready_after_minutes = forms.IntegerField(
        label="Without the two-hour minimum, ready after (minutes from the dose)",
        min_value=1,
        required=False,
    )
