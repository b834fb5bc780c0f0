"""Forms of the messaging pages: the patient's preferences, the delivery log's filter, and
secure messaging (a new thread, a reply, clearing a flag)."""

from django import forms

from messaging.choices import ChannelChoice, MessageKind, ReminderStatus
from practice.forms.patient_search import PatientSearchField, PatientSearchInput

# What each message is, in the patient's words.
KIND_HELP = {
    MessageKind.SESSION_48H: "Two days before each appointment, with a confirm/cancel link.",
    MessageKind.SESSION_2H: "A couple of hours before each appointment.",
    MessageKind.DOSING_PREPARATION: "The day before a treatment: fasting, your ride home.",
    MessageKind.INTEGRATION_FOLLOWUP: "The day after a treatment: how you are feeling.",
    MessageKind.QUESTIONNAIRE_INVITATION: "Weekly check-in questionnaires during your first weeks.",
    MessageKind.RETREAT_WELCOME: "A week before a retreat you joined, with the timetable.",
    MessageKind.WAITLIST_PROMOTION: "When a place you were waiting for opens up.",
    MessageKind.SUPERBILL_ISSUED: "When a superbill for your insurer is ready.",
    MessageKind.PAYMENT_PLAN_INSTALMENT: "A few days before a payment-plan instalment is due.",
    MessageKind.SECURE_MESSAGE: "When your care team answers you. It never includes the message.",
    MessageKind.CARD_PAYMENT_FAILED: "When a card payment of your plan could not be taken.",
    MessageKind.BOOKING_REQUEST_DECIDED: "When the clinic answers a session you asked to book.",
    MessageKind.ESTIMATE_READY: "When a cost estimate for your care is ready in your portal.",
}
# The kinds a patient chooses channels for: not the portal invitation (sent once, by email,
# before the patient has a portal to choose in).
PREFERENCE_KINDS = [kind for kind in MessageKind.values if kind in KIND_HELP]


class PreferencesForm(forms.Form):
    sms_consent = forms.BooleanField(
        required=False, label="I agree to receive text messages from the clinic"
    )
    share_session_type = forms.BooleanField(
        required=False,
        label="Reminders may name the kind of session (e.g. “dosing session”)",
        help_text="Otherwise they only say “appointment”.",
    )
    quiet_hours_start = forms.TimeField(
        required=False, label="Quiet hours from", widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_hours_end = forms.TimeField(
        required=False, label="until", widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args, kinds=PREFERENCE_KINDS, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = list(kinds)
        for kind in self.kinds:
            self.fields[f"channel_{kind}"] = forms.ChoiceField(
                choices=ChannelChoice.choices,
                label=MessageKind(kind).label,
                help_text=KIND_HELP.get(kind, ""),
            )

    def channel_fields(self):
        return [self[f"channel_{kind}"] for kind in self.kinds]

    def channels(self) -> dict[str, str]:
        return {kind: self.cleaned_data[f"channel_{kind}"] for kind in self.kinds}


class DeliveryLogFilter(forms.Form):
    """The delivery log's filters, a GET form: the patient is picked by search and the URL
    carries only the patient number (`number_only`), never the name."""

    # The filters sit in one row without visible labels: each control is named for
    # screen readers (axe: label, select-name).
    patient = PatientSearchField(
        required=False,
        help_text="",
        widget=PatientSearchInput(
            attrs={"aria-label": "Patient", "placeholder": "All patients: type a name or number"},
            number_only=True,
        ),
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *ReminderStatus.choices],
        required=False,
        widget=forms.Select(attrs={"aria-label": "Status"}),
    )
    kind = forms.ChoiceField(
        choices=[("", "Any message"), *MessageKind.choices],
        required=False,
        widget=forms.Select(attrs={"aria-label": "Message"}),
    )

    def __init__(self, *args, patients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = patients

    def apply(self, queryset):
        """The messages that match; none while a filter is wrong (its error says why)."""
        if not self.is_bound:
            return queryset
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        if data["patient"]:
            queryset = queryset.filter(patient=data["patient"])
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["kind"]:
            queryset = queryset.filter(kind=data["kind"])
        return queryset


class ThreadStartForm(forms.Form):
    subject = forms.CharField(max_length=120, label="Subject")
    body = forms.CharField(
        label="Message", max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )


class ThreadReplyForm(forms.Form):
    body = forms.CharField(
        label="Your answer", max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ClearFlagForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        max_length=2000,
        help_text="E.g. called the patient, safety plan reviewed. Kept with the thread.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
