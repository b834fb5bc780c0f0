from decimal import Decimal

from django import forms
from django.utils import timezone

from practice import cssrs, instruments, ledger
from practice.choices import (
    AdverseEventKind,
    AdverseEventSeverity,
    Instrument,
    Route,
    Sedation,
    SessionKind,
)
from practice.models import ROUTE_SETTING_PREFIX, ClinicalSettings, Patient, SafetyPlan
from practice.services.clinical_settings import EDITABLE_FIELDS

PATIENT_FORM_FIELDS = [
    "legal_first_name",
    "legal_last_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "insurance_payer",
    "insurance_member_id",
    "insurance_group_number",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "escort_name",
    "escort_phone",
    "rems_patient_id",
]


class PatientForm(forms.ModelForm):
    """Validates input for the patient services; never saves on its own."""

    class Meta:
        model = Patient
        fields = PATIENT_FORM_FIELDS
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}

    def save(self, commit=True):  # pragma: no cover - guard against accidental use
        raise NotImplementedError("Use practice.services to write patients.")


class DiagnosisForm(forms.Form):
    code = forms.CharField(
        label="ICD-10-CM code",
        max_length=8,
        widget=forms.TextInput(attrs={"placeholder": "e.g. F41.1", "autocomplete": "off"}),
    )


class CareTeamForm(forms.Form):
    """Choose a staff member of the patient's clinic who is not on the care team yet."""

    staff = forms.ModelChoiceField(queryset=None, label="Staff member", empty_label="Choose…")
    is_primary = forms.BooleanField(label="Primary clinician", required=False)

    def __init__(self, *args, staff_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset
        self.fields["staff"].label_from_instance = lambda s: (
            f"{s.display_name} ({s.get_role_display()})"
        )


# Clinical forms: they validate input for the services and never save on their own.


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SessionForm(forms.Form):
    kind = forms.ChoiceField(choices=[])
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
            self.fields[f"ci_{item.pk}_note"] = forms.CharField(required=False, max_length=300)

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


class QuestionnaireForm(forms.Form):
    """One radio choice per item of a questionnaire (0–3 for GAD-7 and PHQ-9, 0–4 for PCL-5)."""

    def __init__(self, *args, instrument: str, zone=None, **kwargs):
        """`zone`: the clinic's time zone, given when staff enter answers on a patient's
        behalf; they may then say when the answers were given (default: now)."""

        super().__init__(*args, **kwargs)
        self.spec = instruments.spec(instrument)
        self.zone = zone
        for number, text in enumerate(self.spec.items, start=1):
            self.fields[f"item_{number}"] = forms.TypedChoiceField(
                label=f"{number}. {text}",
                choices=self.spec.options,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose an answer."},
            )
        if zone is not None:
            self.fields["answered_at"] = forms.DateTimeField(
                label="Answered at (clinic time)",
                required=False,
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                help_text="When the patient gave these answers, if not just now.",
            )

    def item_fields(self):
        return [self[f"item_{n}"] for n in range(1, len(self.spec.items) + 1)]

    def items_have_errors(self) -> bool:
        return any(field.errors for field in self.item_fields())

    def clean_answered_at(self):
        value = self.cleaned_data.get("answered_at")
        if value is None:
            return None
        # The wall-clock time as typed, in the clinic's time zone (not the server's).

        return timezone.make_naive(value).replace(tzinfo=self.zone)

    def answers(self) -> list[int]:
        return [self.cleaned_data[f"item_{n}"] for n in range(1, len(self.spec.items) + 1)]


class ClinicalSettingsForm(forms.Form):
    """A clinic's thresholds and schedules, in the sections a clinic thinks in. Labels come
    from the model; the rules that tie the numbers together live in the model's `clean`
    (the service runs it), so the admin site and the API give the same answers."""

    SECTIONS = (
        (
            "Pre-dose gate",
            "Checked before every dose; any failed check refuses the dose.",
            (
                "predose_systolic_refuse_at",
                "predose_diastolic_refuse_at",
                "predose_spo2_refuse_below",
                "predose_heart_rate_refuse_above",
                "predose_heart_rate_refuse_below",
                "fasting_hours",
                "weight_confirm_percent",
            ),
        ),
        (
            "Dose limits",
            "A dose outside its route's range, or further off the plan's dose than the margin, "
            "is refused unless medical staff override it with a reason.",
            (
                "dose_plan_margin_percent",
                *(
                    f"{prefix}_dose_{end}_mg_per_kg"
                    for prefix in ROUTE_SETTING_PREFIX.values()
                    for end in ("min", "max")
                ),
            ),
        ),
        (
            "Discharge",
            "The patient leaves after the route's observation time, on a last reading within "
            "these limits and near the pre-dose one.",
            (
                *(f"{prefix}_observe_minutes" for prefix in ROUTE_SETTING_PREFIX.values()),
                "esketamine_observe_minutes",
                "esketamine_bp_check_from_minutes",
                "esketamine_bp_check_until_minutes",
                "discharge_systolic_below",
                "discharge_diastolic_below",
                "discharge_spo2_at_least",
                "discharge_baseline_tolerance_percent",
            ),
        ),
        (
            "Vital-sign alerts during a session",
            "A reading past any of these is flagged and raises a safety alert for the care team.",
            (
                "alert_systolic_at",
                "alert_diastolic_at",
                "alert_heart_rate_above",
                "alert_heart_rate_below",
                "alert_spo2_below",
            ),
        ),
        (
            "Screening and the KAP cycle",
            "",
            ("screening_valid_months", "integration_within_days"),
        ),
        (
            "Outcome measures",
            "Questionnaires fall due around the doses, not on calendar dates.",
            (
                "measure_instruments",
                "measure_baseline_before_first_dose",
                "measure_after_dose_hours",
                "measure_maintenance_days",
            ),
        ),
        (
            "Sign-in security",
            "Staff sign in with a password and a code from their authenticator app.",
            ("staff_idle_timeout_minutes",),
        ),
    )
    LABELS = {
        "measure_instruments": "Questionnaires",
        "measure_baseline_before_first_dose": "Baseline before the first dose",
        "measure_after_dose_hours": "Due after each induction dose (hours)",
    }
    HELP = {
        "staff_idle_timeout_minutes": "A staff session unused this long ends; applies from the "
        "next sign-in.",
        "predose_systolic_refuse_at": "Dosing is refused at or above this systolic pressure.",
        "predose_diastolic_refuse_at": "…or at or above this diastolic pressure.",
        "fasting_hours": "Staff confirm the patient fasted this long before the dose.",
        "predose_spo2_refuse_below": "Dosing is refused below this oxygen saturation.",
        "predose_heart_rate_refuse_above": "Dosing is refused above this heart rate.",
        "predose_heart_rate_refuse_below": "…or below this one.",
        "weight_confirm_percent": "A weight further than this from the screening's must be "
        "re-checked and confirmed.",
        "dose_plan_margin_percent": "Compared with the plan's starting dose and the last dose "
        "given under the plan, in mg/kg.",
        **{
            f"{prefix}_dose_{end}_mg_per_kg": "mg per kg of body weight."
            for prefix in ROUTE_SETTING_PREFIX.values()
            for end in ("min", "max")
        },
        **{
            f"{prefix}_observe_minutes": "From the dose to the earliest discharge."
            for prefix in ROUTE_SETTING_PREFIX.values()
        },
        "oral_observe_minutes": "From the dose to the earliest discharge (absorbed more slowly).",
        "esketamine_observe_minutes": "At least 120: the SPRAVATO REMS requires two hours of "
        "monitoring after each dose.",
        "esketamine_bp_check_from_minutes": "The label asks for a blood pressure at about 40 "
        "minutes after the dose: a reading from this many minutes…",
        "esketamine_bp_check_until_minutes": "…to this many counts as that one.",
        "discharge_systolic_below": "The last reading must be below this systolic pressure.",
        "discharge_diastolic_below": "…and below this diastolic pressure.",
        "discharge_spo2_at_least": "…with at least this oxygen saturation.",
        "discharge_baseline_tolerance_percent": "Systolic, diastolic and heart rate of the last "
        "reading within this much of the pre-dose values.",
        "alert_systolic_at": "Must be at or above the pre-dose refusal.",
        "alert_diastolic_at": "Must be at or above the pre-dose refusal.",
        "alert_heart_rate_above": "Beats per minute.",
        "alert_heart_rate_below": "Beats per minute; below the upper alert.",
        "alert_spo2_below": "Oxygen saturation, per cent.",
        "screening_valid_months": "A cleared screening allows dosing for this long.",
        "integration_within_days": "The KAP-cycle worklist flags a dose without an integration "
        "session within this many days.",
        "measure_instruments": "The questionnaires patients are invited to answer.",
        "measure_baseline_before_first_dose": "Ask for a baseline before the first dose.",
        "measure_after_dose_hours": "Hours after each induction dose, separated by commas "
        "(24 = the next day, 168 = a week).",
        "measure_maintenance_days": "How often questionnaires are due once in maintenance.",
    }

    def __init__(self, *args, **kwargs):

        super().__init__(*args, **kwargs)
        for name in EDITABLE_FIELDS:
            model_field = ClinicalSettings._meta.get_field(name)
            label = self.LABELS.get(name) or (
                model_field.verbose_name[:1].upper() + model_field.verbose_name[1:]
            )
            if name == "measure_instruments":
                field = forms.MultipleChoiceField(
                    choices=Instrument.choices,
                    widget=forms.CheckboxSelectMultiple,
                    required=False,
                )
            elif name == "measure_after_dose_hours":
                field = forms.CharField(max_length=100)
            else:
                field = model_field.formfield()
            field.label = label
            field.help_text = self.HELP[name]
            self.fields[name] = field

    def sections(self):
        return [
            (title, intro, [self[name] for name in names]) for title, intro, names in self.SECTIONS
        ]

    def clean_measure_after_dose_hours(self):
        text = self.cleaned_data["measure_after_dose_hours"]
        parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
        if not parts or not all(part.isdigit() for part in parts):
            raise forms.ValidationError("Whole hours separated by commas, e.g. 24, 168.")
        return [int(part) for part in parts]


YES_NO = [("yes", "Yes"), ("no", "No")]


class RiskAssessmentForm(forms.Form):
    """The C-SSRS screener as the clinician asks it: yes or no per question (a question the
    screener's flow skips is left blank), and the clinician's formulation and plan."""

    def __init__(self, *args, **kwargs):

        super().__init__(*args, **kwargs)
        self.questions = cssrs.QUESTIONS
        for question in cssrs.QUESTIONS:
            skip = (
                f"Ask only if question {cssrs.BY_KEY[question.asked_when].number} is yes."
                if question.asked_when
                else ""
            )
            self.fields[question.key] = forms.ChoiceField(
                label=f"{question.number}. {question.text}",
                choices=YES_NO,
                widget=forms.RadioSelect,
                required=False,
                help_text=skip,
            )
        self.fields["formulation"] = forms.CharField(
            label="Formulation and plan",
            widget=forms.Textarea(attrs={"rows": 4}),
            required=False,
            help_text="Your assessment of the risk and what happens next (required).",
        )

    def question_fields(self):
        return [self[q.key] for q in self.questions]

    def answers(self) -> dict:
        """{key: True | False | None}; the service checks completeness and the skip rules."""
        values = {"yes": True, "no": False}
        return {q.key: values.get(self.cleaned_data.get(q.key)) for q in self.questions}


class SafetyPlanForm(forms.Form):
    """The six steps of a Stanley–Brown safety plan and the reasons for living, one item
    per line. The service requires every step."""

    def __init__(self, *args, **kwargs):

        super().__init__(*args, **kwargs)
        for number, (name, title, hint) in enumerate(SafetyPlan.STEPS, start=1):
            self.fields[name] = forms.CharField(
                label=f"Step {number}: {title}",
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
                help_text=hint + (" The 988 Lifeline is always listed." if number == 5 else ""),
            )
        self.fields["reasons_for_living"] = forms.CharField(
            label="Reasons for living",
            widget=forms.Textarea(attrs={"rows": 2}),
            required=False,
            help_text=SafetyPlan._meta.get_field("reasons_for_living").help_text,
        )
