"""Forms of the scheduling pages (input only; rules live in the services)."""

import datetime as dt

from django import forms

from backend.roles import CLINICIAN_ROLES
from practice.choices import SessionKind, SessionModality
from practice.forms.patient_search import PatientSearchField, PatientSearchInput
from practice.models import Patient, Room, StaffMember
from scheduling.choices import ExceptionKind
from scheduling.models import SchedulingPolicy

DURATIONS = [
    (m, f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min")
    for m in (30, 45, 50, 60, 90, 120, 150, 180, 240)
]


def _clinicians(clinic_id):
    return (
        StaffMember.objects.for_clinic(clinic_id)
        .filter(is_active=True, role__in=CLINICIAN_ROLES)
        .select_related("user")
    )


class BookingForm(forms.Form):
    patient = PatientSearchField()
    kind = forms.ChoiceField(choices=SessionKind.choices)
    modality = forms.ChoiceField(
        choices=SessionModality.choices,
        initial=SessionModality.IN_PERSON,
        required=False,  # in person unless chosen
        label="Where",
        help_text="Video: preparation or integration only, with the telehealth consent; no room.",
    )
    clinician = forms.ModelChoiceField(queryset=StaffMember.objects.none())
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    duration = forms.TypedChoiceField(choices=DURATIONS, coerce=int, initial=60)
    repeat_every_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=366,
        label="Repeat every (days)",
        help_text="Leave empty for a single session; 7 = weekly, 28 = every 4 weeks.",
    )
    occurrences = forms.IntegerField(required=False, min_value=2, max_value=104, initial=None)

    def __init__(self, *args, user, clinic_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = Patient.objects.visible_to(user)
        self.fields["clinician"].queryset = _clinicians(clinic_id)
        self.fields["room"].queryset = Room.objects.for_clinic(clinic_id).filter(is_active=True)

    def clean(self):
        data = super().clean()
        if data.get("repeat_every_days") and not data.get("occurrences"):
            self.add_error("occurrences", "How many sessions should the series have?")
        return data


class RescheduleForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    duration = forms.TypedChoiceField(choices=DURATIONS, coerce=int)
    modality = forms.ChoiceField(
        choices=SessionModality.choices, required=False, label="Where"
    )  # empty: as it is
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False)
    clinician = forms.ModelChoiceField(queryset=StaffMember.objects.none())
    apply_to_series = forms.BooleanField(
        required=False, label="Also move every later session of this series"
    )

    def __init__(self, *args, clinic_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = _clinicians(clinic_id)
        self.fields["room"].queryset = Room.objects.for_clinic(clinic_id).filter(is_active=True)


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False)
    cancel_series = forms.BooleanField(
        required=False, label="Also cancel every later session of this series"
    )


class FreeSlotForm(forms.Form):
    patient = PatientSearchField(
        required=False,
        help_text="Optional: only times this patient is free too (a name or patient number).",
    )
    clinician = forms.ModelChoiceField(
        queryset=StaffMember.objects.none(), required=False, empty_label="Any therapist"
    )
    room = forms.ChoiceField(
        choices=[("dosing", "A dosing-capable room"), ("any", "Any room"), ("none", "No room")],
        initial="dosing",
    )
    duration = forms.TypedChoiceField(choices=DURATIONS, coerce=int, initial=120)
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="From")
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="To (inclusive)")
    count = forms.IntegerField(min_value=1, max_value=50, initial=10, label="How many")

    def __init__(self, *args, clinic_id, patients=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = _clinicians(clinic_id)
        if patients is not None:
            self.fields["patient"].queryset = patients

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                self.add_error("end", "The end date is before the start date.")
            elif data["end"] - data["start"] > dt.timedelta(days=366):
                self.add_error("end", "Search at most a year at a time.")
        return data


class EnrollForm(forms.Form):
    """The patient to enroll, picked by search like every patient picker; one who would be
    refused (no cleared screening covering the retreat, already on it) is refused here with
    the reason, before the service is asked."""

    patient = PatientSearchField(
        label="Patient to enroll",
        help_text="",
        widget=PatientSearchInput(attrs={"aria-describedby": "enroll-help"}),
    )

    def __init__(self, *args, user, retreat, **kwargs):
        super().__init__(*args, **kwargs)
        self.retreat = retreat
        self.fields["patient"].queryset = Patient.objects.visible_to(user)

    def clean_patient(self):
        from scheduling.selectors import retreat_enrol_refusals

        patient = self.cleaned_data["patient"]
        reason = retreat_enrol_refusals(retreat=self.retreat, patients=[patient]).get(patient.pk)
        if reason:
            raise forms.ValidationError(f"{patient.full_name} {reason}.", code="refused")
        return patient


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


class AvailabilityExceptionForm(forms.Form):
    """Time off (whole days, or hours) or extra hours of a clinician; times in the clinic's
    zone (the model's own validation says what is wrong with them)."""

    clinician = forms.ModelChoiceField(queryset=StaffMember.objects.none())
    kind = forms.ChoiceField(choices=ExceptionKind.choices, label="What")
    starts_on = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label="Last day",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for one day.",
    )
    start_time = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    reason = forms.CharField(max_length=120, required=False)

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = _clinicians(clinic.pk)
        zone = clinic.timezone
        self.fields[
            "start_time"
        ].help_text = f"Clinic time ({zone}). Leave both times empty for whole days off."
        self.fields["end_time"].help_text = f"Clinic time ({zone})."


class SelfBookSlotForm(forms.Form):
    """One free slot the patient picked (the page's hidden fields)."""

    kind = forms.ChoiceField(choices=SessionKind.choices)
    modality = forms.ChoiceField(
        choices=SessionModality.choices, required=False, initial=SessionModality.IN_PERSON
    )
    clinician = forms.IntegerField()
    starts_at = forms.DateTimeField()


class BookingDeclineForm(forms.Form):
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="The patient reads this in the portal (the email only says to sign in).",
    )


class SelfBookingSettingsForm(forms.ModelForm):
    class Meta:
        model = SchedulingPolicy
        fields = [
            "self_booking_preparation",
            "self_booking_integration",
            "self_booking_minutes",
            "self_booking_min_notice_hours",
            "self_booking_max_days_ahead",
            "self_booking_auto_confirm",
        ]
        labels = {
            "self_booking_preparation": "Preparation sessions",
            "self_booking_integration": "Integration sessions",
            "self_booking_minutes": "Session length (minutes)",
            "self_booking_min_notice_hours": "Minimum notice (hours)",
            "self_booking_max_days_ahead": "Furthest ahead (days)",
            "self_booking_auto_confirm": "Confirm requests automatically",
        }
