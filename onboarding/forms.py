"""Forms of the intake and the invitation pages: they validate input for the services and
never save on their own."""

from django import forms
from django.forms import modelform_factory

from onboarding.choices import IntakeStep, ScreeningAnswer
from onboarding.services import STEP_FIELDS, STEP_REQUIRED
from practice.models import Patient

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
AUTOCOMPLETE = {
    "legal_first_name": "given-name",
    "legal_last_name": "family-name",
    "date_of_birth": "bday",
    "phone": "tel",
    "address_line1": "address-line1",
    "address_line2": "address-line2",
    "city": "address-level2",
    "state": "address-level1",
    "postal_code": "postal-code",
}
HELP = {
    "preferred_name": "What you like to be called, if not your legal first name.",
    "escort_name": "The adult who will drive you home after each treatment.",
    "insurance_payer": "Leave empty if you pay for your care yourself.",
    "insured_name": "Only if the plan is in someone else's name.",
    "medications": "Everything you take, with the dose if you know it, or “none”.",
    "allergies": "Medicines, foods or anything else, or “none”.",
}


def step_form_class(step: str) -> type[forms.ModelForm]:
    """The form of one detail step: the Patient fields the step writes."""
    fields = STEP_FIELDS[step]
    widgets = {name: DATE for name in fields if name.endswith("date_of_birth")}
    if step == IntakeStep.MEDICATIONS:
        widgets.update(
            medications=forms.Textarea(attrs={"rows": 4}),
            allergies=forms.Textarea(attrs={"rows": 3}),
        )
    form_class = modelform_factory(Patient, fields=fields, widgets=widgets)

    class StepForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for name, field in self.fields.items():
                field.required = name in STEP_REQUIRED[step]
                if name in AUTOCOMPLETE:
                    field.widget.attrs["autocomplete"] = AUTOCOMPLETE[name]
                if name in HELP:
                    field.help_text = HELP[name]

        def save(self, commit=True):  # pragma: no cover - guard against accidental use
            raise NotImplementedError("Use onboarding.services.intake_update.")

    return StepForm


class ScreeningAnswersForm(forms.Form):
    """One yes / no / not sure question per item of the clinic's checklist, in plain words."""

    def __init__(self, *args, checklist, answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = list(checklist)
        answers = answers or {}
        for item in self.checklist:
            given = answers.get(item.pk)
            self.fields[f"answer_{item.pk}"] = forms.ChoiceField(
                label=item.question,
                choices=ScreeningAnswer.choices,
                widget=forms.RadioSelect,
                initial=given.answer if given else None,
            )
            self.fields[f"details_{item.pk}"] = forms.CharField(
                label="Anything you want to add (optional)",
                required=False,
                max_length=500,
                initial=given.details if given else "",
            )

    def rows(self):
        return [
            (item, self[f"answer_{item.pk}"], self[f"details_{item.pk}"]) for item in self.checklist
        ]

    def answers(self) -> list[dict]:
        return [
            {
                "contraindication": item.pk,
                "answer": self.cleaned_data[f"answer_{item.pk}"],
                "details": self.cleaned_data.get(f"details_{item.pk}", ""),
            }
            for item in self.checklist
        ]


class InvitationForm(forms.Form):
    email = forms.EmailField(
        required=False,
        label="Email address",
        help_text="Where the invitation goes; empty uses the email on file.",
    )


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; not a common password.",
    )
    password2 = forms.CharField(
        label="Type it again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return cleaned
