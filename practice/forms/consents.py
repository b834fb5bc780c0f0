"""Forms of the consent pages: a template version, the signature, a revocation."""

from django import forms

from practice.choices import ConsentKind
from practice.models.consents import CONSENT_FIELDS, braced


class ConsentTemplateForm(forms.Form):
    kind = forms.ChoiceField(choices=ConsentKind.choices, label="Document")
    title = forms.CharField(max_length=160)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 16}),
        label="Text",
        help_text="Named fields filled in for each patient: "
        + ", ".join(f"{braced(name)} ({what})" for name, what in CONSENT_FIELDS.items())
        + ".",
    )
    requires_new_signature = forms.BooleanField(
        required=False,
        initial=True,
        label="Patients who signed an earlier version sign this one again",
    )
    requires_countersignature = forms.BooleanField(
        required=False, label="Medical staff or an admin countersign each signature"
    )


class ConsentSignForm(forms.Form):
    signed_name = forms.CharField(
        max_length=200,
        required=False,
        label="Type your full name",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    # The drawing, as a PNG data URL the pad's script writes; checked by the service.
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    text_sha256 = forms.CharField(required=False, widget=forms.HiddenInput)


class ConsentRevokeForm(forms.Form):
    reason = forms.CharField(max_length=2000)
