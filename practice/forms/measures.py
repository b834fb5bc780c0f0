"""Outcome measures: a questionnaire answered by the patient or entered on their behalf."""

from django import forms
from django.utils import timezone

from practice import instruments


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
