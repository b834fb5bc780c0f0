"""The clinic's audit trail, for its admins."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.views.generic import ListView

from backend.audit import audit_event_list
from backend.models import AuditOutcome
from backend.roles import ADMIN
from backend.views import RoleRequiredMixin


class AuditFilterForm(forms.Form):
    patient = forms.IntegerField(required=False, min_value=1, label="Patient #")
    actor = forms.ModelChoiceField(queryset=None, required=False, label="Who")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(
        required=False, label="To (inclusive)", widget=forms.DateInput({"type": "date"})
    )
    outcome = forms.ChoiceField(choices=[("", "Any"), *AuditOutcome.choices], required=False)

    def __init__(self, *args, clinic_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        # The clinic's people: its staff and its patients with a portal login.
        people = get_user_model().objects.filter(
            Q(staff_member__clinic_id=clinic_id) | Q(patient__clinic_id=clinic_id)
        )
        self.fields["actor"].queryset = people.order_by("last_name", "first_name", "pk")
        self.fields["actor"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise forms.ValidationError("The end date is before the start date.")
        return data


def _day_start(day: datetime.date) -> datetime.datetime:
    # The request's active zone is the clinic's (ClinicTimeZoneMiddleware).
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditTrailView(RoleRequiredMixin, ListView):
    """Who read or changed what in the clinic, filterable by patient, person, dates and
    outcome, 50 rows a page. Reading the trail is itself audited."""

    allowed_roles = frozenset({ADMIN})
    audited = True
    template_name = "audit/trail.html"
    context_object_name = "events"
    paginate_by = 50

    def get_queryset(self):
        self.form = AuditFilterForm(self.request.GET or None, clinic_id=self.actor.clinic_id)
        if self.form.is_bound and not self.form.is_valid():
            return audit_event_list(clinic_id=self.actor.clinic_id).none()
        data = self.form.cleaned_data if self.form.is_bound else {}
        actor = data.get("actor")
        return audit_event_list(
            clinic_id=self.actor.clinic_id,
            patient_id=data.get("patient"),
            actor_id=actor.pk if actor else None,
            since=_day_start(data["since"]) if data.get("since") else None,
            until=_day_start(data["until"] + datetime.timedelta(days=1))
            if data.get("until")
            else None,
            outcome=data.get("outcome") or "",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context
