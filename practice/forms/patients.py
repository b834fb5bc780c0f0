"""The patient chart's forms: demographics and insurance, diagnoses, the care team."""

from django import forms

from practice.models import Patient

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
    "insurance_payer_id",
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

    # Shown without a visible label in the care-team card's one-line form: named for
    # screen readers (axe: select-name).
    staff = forms.ModelChoiceField(
        queryset=None,
        label="Staff member",
        empty_label="Choose…",
        widget=forms.Select(attrs={"aria-label": "Staff member to add"}),
    )
    is_primary = forms.BooleanField(label="Primary clinician", required=False)

    def __init__(self, *args, staff_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset
        self.fields["staff"].label_from_instance = lambda s: (
            f"{s.display_name} ({s.get_role_display()})"
        )
