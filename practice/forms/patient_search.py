"""A patient picker that scales: a text input the user types a name or a patient number into.

With JavaScript, htmx asks `practice:patient-search` for at most `PATIENT_SEARCH_LIMIT`
matching patients as the user types and offers them in a `<datalist>`; choosing one fills
in "Name (b. date) · #id". Without it, the user types the patient number. Either way the
form resolves the number against the patients the user may see, so no page ever renders
every patient of the clinic (2,000 `<option>`s were 95 KiB and most of the page's time).
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from practice.models import Patient

PATIENT_SEARCH_LIMIT = 20
# "42", "#42", or a chosen option's "Erin Patient (b. 1990-01-02) · #42". At most 12
# digits: any id the database holds, never a number that overflows its integer column.
PATIENT_NUMBER = re.compile(r"(?:^|#)\s*(\d{1,12})\s*$")


def patient_choice_label(patient: Patient) -> str:
    """What a picker shows and submits for a patient: the name, the birth date to tell two
    namesakes apart, and the patient number the form reads back."""
    return f"{patient.full_name} (b. {patient.date_of_birth:%Y-%m-%d}) · #{patient.pk}"


class PatientSearchInput(forms.TextInput):
    template_name = "practice/widgets/patient_search.html"

    def __init__(self, attrs=None):
        super().__init__(
            {
                "autocomplete": "off",
                "placeholder": "Type a name or a patient number",
                "spellcheck": "false",
                **(attrs or {}),
            }
        )


class PatientSearchField(forms.Field):
    """A patient chosen by number among `queryset` (the patients the user may see); a
    number out of reach gets the same answer as one that does not exist."""

    widget = PatientSearchInput
    default_error_messages = {
        "invalid": "Type a patient number, or type a name and choose a patient from the list.",
        "not_found": "No patient you can see has the number %(number)s.",
    }

    def __init__(self, *, queryset: QuerySet[Patient] | None = None, **kwargs):
        kwargs.setdefault(
            "help_text", "Type part of a name and choose from the list, or the patient number."
        )
        super().__init__(**kwargs)
        self.queryset = queryset if queryset is not None else Patient.objects.none()

    def to_python(self, value):
        if isinstance(value, Patient):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        match = PATIENT_NUMBER.search(str(value).strip())
        if not match:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        number = int(match.group(1))
        try:
            return self.queryset.get(pk=number)
        except Patient.DoesNotExist:
            raise ValidationError(
                self.error_messages["not_found"], code="not_found", params={"number": number}
            ) from None

    def prepare_value(self, value):
        """Show a chosen patient (or a bare number from a link) as its label."""
        if isinstance(value, Patient):
            return patient_choice_label(value)
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            text = str(value).strip()
            if len(text) <= 12:
                patient = self.queryset.filter(pk=int(text)).first()
                if patient is not None:
                    return patient_choice_label(patient)
        return value
