from django import forms


class ProviderSignatureForm(forms.Form):
    """Draw on the pad (the script writes the hidden `signature` PNG data URL) or upload a
    scan; the service checks either."""

    signed_name = forms.CharField(
        max_length=200,
        required=False,
        label="Your name, for a typed signature",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    file = forms.FileField(
        required=False,
        label="Or upload a scan of your signature",
        help_text="A PNG or JPEG image, up to 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
