"""Uploading a patient document (portal and record) and withdrawing one: they validate
input for the services and never save on their own."""

from django import forms

from practice.choices import DocumentKind

# A phone offers its camera and its photos for images, and its files for PDFs; the type
# is judged by the content on the server whatever the browser lets through.
ACCEPT = "image/*,application/pdf"


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="What is it?", choices=DocumentKind.choices)
    file = forms.FileField(
        label="File",
        help_text="A PDF, or a photo (JPEG, PNG or HEIC), up to {limit}.",
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )
    document_date = forms.DateField(
        label="Date on the document",
        required=False,
        help_text="When the test was done or the letter written, if it says.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    notes = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, limit: str = "10 MB", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.fields["file"].help_text.format(limit=limit)


class WithdrawForm(forms.Form):
    reason = forms.CharField(max_length=500)
