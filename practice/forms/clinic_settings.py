"""A clinic's clinical settings page."""

from django import forms

from practice.choices import Instrument
from practice.models import ROUTE_SETTING_PREFIX, ClinicalSettings
from practice.services.clinical_settings import EDITABLE_FIELDS


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
