"""The retreat form (kept apart so the booking forms stay short)."""

from django import forms

from backend.roles import CLINICIAN_ROLES
from practice.models import Room, StaffMember


class RetreatForm(forms.Form):
    name = forms.CharField(max_length=120)
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.CharField(max_length=200, required=False)
    capacity = forms.IntegerField(min_value=1, max_value=200, initial=8, label="Places")
    price = forms.DecimalField(max_digits=9, decimal_places=2, min_value=0)
    description = forms.CharField(widget=forms.Textarea, required=False)
    staff = forms.ModelMultipleChoiceField(
        queryset=StaffMember.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    rooms = forms.ModelMultipleChoiceField(
        queryset=Room.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    standard_template = forms.BooleanField(
        required=False,
        initial=True,
        label="Use the standard daily template (preparation; dosing mornings and integration "
        "circles; closing day)",
    )

    def __init__(self, *args, clinic_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = (
            StaffMember.objects.for_clinic(clinic_id)
            .filter(is_active=True, role__in=CLINICIAN_ROLES)
            .select_related("user")
        )
        self.fields["rooms"].queryset = Room.objects.for_clinic(clinic_id).filter(is_active=True)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The retreat ends before it starts.")
        return data
