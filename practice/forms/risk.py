"""Suicide risk: the C-SSRS screener and the safety plan."""

from django import forms

from practice import cssrs
from practice.models import SafetyPlan

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
