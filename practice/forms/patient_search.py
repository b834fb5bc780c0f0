"""A patient picker that scales: a text input the user types a name or a patient number into.

With JavaScript, htmx asks `practice:patient-search` for at most `PATIENT_SEARCH_LIMIT`
matching patients as the user types and offers them in a `<datalist>`; choosing one fills
in "Name (b. date) · #id". Without it, the user types the patient number. Either way the
form resolves the number against the patients the user may see, so no page ever renders
every patient of the clinic (2,000 `<option>`s were 95 KiB and most of the page's time).

On a GET form (a filter) the chosen label would put the patient's name in the URL, so a
`PatientSearchInput(number_only=True)` widget sends the number alone: the input's
`pattern` lets the browser submit nothing but a number, and with JavaScript
`practice/patient-search.js` accepts a chosen label and submits only its number (the
form's `formdata` event).
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


# What a number-only picker accepts without JavaScript (the browser anchors it).
NUMBER_ONLY_PATTERN = r"\s*#?\s*\d{1,12}\s*"


class PatientSearchInput(forms.TextInput):
    template_name = "practice/widgets/patient_search.html"

    def __init__(self, attrs=None, *, number_only: bool = False):
        extra = {}
        if number_only:
            extra = {
                "pattern": NUMBER_ONLY_PATTERN,
                "title": "The patient number, or a patient chosen from the list",
                "data-patient-number-only": "",
            }
        super().__init__(
            {
                "autocomplete": "off",
                "placeholder": "Type a name or a patient number",
                "spellcheck": "false",
                **extra,
                **(attrs or {}),
            }
        )
        self.number_only = number_only

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["number_only"] = self.number_only
        return context


class PatientSearchField(forms.Field):
    """A patient chosen by number among `queryset` (the patients the user may see); a
    number out of reach gets the same answer as one that does not exist.

    On a GET form give it `widget=PatientSearchInput(number_only=True)`: the browser then
    submits the patient number alone, never the chosen label with the name."""

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
        # The patient the form resolved, so rendering the bound form does not fetch it again.
        self._resolved: dict[int, Patient] = {}

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
            patient = self.queryset.get(pk=number)
        except Patient.DoesNotExist:
            raise ValidationError(
                self.error_messages["not_found"], code="not_found", params={"number": number}
            ) from None
        self._resolved[number] = patient
        return patient

    def prepare_value(self, value):
        """Show a chosen patient (or a bare number from a link) as its label."""
        if isinstance(value, Patient):
            return patient_choice_label(value)
        if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
            text = str(value).strip()
            if len(text) <= 12:
                patient = (
                    self._resolved.get(int(text)) or self.queryset.filter(pk=int(text)).first()
                )
                if patient is not None:
                    return patient_choice_label(patient)
        return value
