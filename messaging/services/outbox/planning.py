"""What a message is before it is queued: the channels a patient gets it on, the quiet
hours it must avoid, and its text rendered from the clinic's template."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import Context, Engine

from backend.formatting import format_phone
from messaging.choices import Channel, ChannelChoice, MessageKind
from messaging.models import MessagePreference, MessageTemplate, PatientMessaging, ReminderSettings

# Channels a patient gets for each kind until they choose otherwise. SMS is only ever used
# with the patient's recorded consent and a phone number.
DEFAULT_CHANNELS: dict[str, str] = {
    MessageKind.SESSION_48H: ChannelChoice.EMAIL,
    MessageKind.SESSION_2H: ChannelChoice.BOTH,
    MessageKind.DOSING_PREPARATION: ChannelChoice.BOTH,
    MessageKind.INTEGRATION_FOLLOWUP: ChannelChoice.EMAIL,
    MessageKind.QUESTIONNAIRE_INVITATION: ChannelChoice.EMAIL,
    MessageKind.RETREAT_WELCOME: ChannelChoice.EMAIL,
    MessageKind.WAITLIST_PROMOTION: ChannelChoice.BOTH,
    MessageKind.SUPERBILL_ISSUED: ChannelChoice.EMAIL,
    MessageKind.PAYMENT_PLAN_INSTALMENT: ChannelChoice.EMAIL,
    MessageKind.PORTAL_INVITATION: ChannelChoice.EMAIL,
    MessageKind.SECURE_MESSAGE: ChannelChoice.EMAIL,
    MessageKind.CARD_PAYMENT_FAILED: ChannelChoice.EMAIL,
    MessageKind.BOOKING_REQUEST_DECIDED: ChannelChoice.EMAIL,
    MessageKind.ESTIMATE_READY: ChannelChoice.EMAIL,
}

_TEXT = Engine(app_dirs=True, autoescape=False)
_HTML = Engine(app_dirs=True, autoescape=True)


def clinic_settings(clinic) -> ReminderSettings:
    """The clinic's delivery settings (unsaved defaults when it has none)."""
    found = ReminderSettings.objects.filter(clinic=clinic).first()
    return found or ReminderSettings(clinic=clinic)


def patient_messaging(patient) -> PatientMessaging:
    found = PatientMessaging.objects.filter(patient=patient).first()
    return found or PatientMessaging(patient=patient)


class Recipient:
    """One patient's message settings, each read once when first needed and then reused
    for every message of one planning call (a session's reminders): the clinic's delivery
    settings, the patient's own settings, their channel choices and the clinic's edited
    templates. Callers that plan several messages pass one to `channels_for`,
    `QuietHours.for_patient`, `render_message` and `message_enqueue`; without one each
    reads what it needs itself."""

    def __init__(self, patient):
        self.patient = patient

    @cached_property
    def clinic_settings(self) -> ReminderSettings:
        return clinic_settings(self.patient.clinic)

    @cached_property
    def messaging(self) -> PatientMessaging:
        return patient_messaging(self.patient)

    @cached_property
    def channel_choices(self) -> dict[str, str]:
        """kind → the channel the patient chose (kinds they never chose are absent)."""
        rows = MessagePreference.objects.filter(patient=self.patient)
        return dict(rows.values_list("kind", "channel"))

    @cached_property
    def templates(self) -> dict[str, MessageTemplate]:
        """kind → the clinic's edited template (kinds it never edited are absent)."""
        return {t.kind: t for t in MessageTemplate.objects.filter(clinic_id=self.patient.clinic_id)}


def channels_for(*, patient, kind: str, recipient: Recipient | None = None) -> list[str]:
    """The channels `patient` receives `kind` on: their choice, or the default; SMS only
    with consent and a number, falling back to email when SMS was their only choice."""
    if recipient is not None:
        chosen = recipient.channel_choices.get(kind)
    else:
        pref = MessagePreference.objects.filter(patient=patient, kind=kind).first()
        chosen = pref.channel if pref else None
    choice = chosen if chosen is not None else DEFAULT_CHANNELS.get(kind, ChannelChoice.EMAIL)
    if choice == ChannelChoice.NONE:
        return []
    wanted = {
        ChannelChoice.EMAIL: [Channel.EMAIL],
        ChannelChoice.SMS: [Channel.SMS],
        ChannelChoice.BOTH: [Channel.EMAIL, Channel.SMS],
    }[choice]
    own = recipient.messaging if recipient is not None else None
    can_sms = bool(patient.phone) and (own or patient_messaging(patient)).sms_consent
    channels = [c for c in wanted if c != Channel.SMS or can_sms]
    if not channels and patient.email:
        channels = [Channel.EMAIL]
    return [c for c in channels if c != Channel.EMAIL or patient.email]


@dataclass(frozen=True)
class QuietHours:
    start: datetime.time
    end: datetime.time
    tz: ZoneInfo

    @classmethod
    def for_patient(cls, patient, *, recipient: Recipient | None = None) -> QuietHours:
        if recipient is not None:
            clinic_cfg, own = recipient.clinic_settings, recipient.messaging
        else:
            clinic_cfg, own = clinic_settings(patient.clinic), patient_messaging(patient)
        if own.quiet_hours_start is not None and own.quiet_hours_end is not None:
            start, end = own.quiet_hours_start, own.quiet_hours_end
        else:
            start, end = clinic_cfg.quiet_hours_start, clinic_cfg.quiet_hours_end
        return cls(start=start, end=end, tz=patient.clinic.zone)

    def period(self, at: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime] | None:
        """The quiet period (start, end) that contains `at`, or None if `at` is not quiet."""
        if self.start == self.end:
            return None
        local = at.astimezone(self.tz)
        day, t = local.date(), local.time()
        one_day = datetime.timedelta(days=1)

        def at_local(d, tm):
            return datetime.datetime.combine(d, tm, tzinfo=self.tz)

        if self.start < self.end:  # e.g. 12:00–13:00 on the same day
            if self.start <= t < self.end:
                return at_local(day, self.start), at_local(day, self.end)
            return None
        if t >= self.start:  # overnight, e.g. 21:00–08:00
            return at_local(day, self.start), at_local(day + one_day, self.end)
        if t < self.end:
            return at_local(day - one_day, self.start), at_local(day, self.end)
        return None

    def fit(
        self,
        at: datetime.datetime,
        *,
        prefer_earlier: bool,
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
    ) -> datetime.datetime | None:
        """`at`, or the nearest moment outside quiet hours on the preferred side that stays
        within [not_before, not_after]; None when there is none."""
        period = self.period(at)
        if period is None:
            candidates = [at]
        else:
            earlier = period[0] - datetime.timedelta(minutes=1)
            later = period[1]
            candidates = [earlier, later] if prefer_earlier else [later, earlier]
        for moment in candidates:
            if not_before is not None and moment < not_before:
                continue
            if not_after is not None and moment > not_after:
                continue
            return moment
        return None


def base_context(*, patient, extra: dict | None = None) -> dict[str, str]:
    """Plain strings every template may use. Never model objects: an edited template can
    show only what is handed to it here."""
    clinic = patient.clinic
    context = {
        "patient_name": patient.preferred_name or patient.legal_first_name,
        "clinic_name": clinic.name,
        "clinic_phone": format_phone(clinic.phone),
        "clinic_address": ", ".join(clinic.address_lines),
        "portal_url": f"{settings.SITE_URL}/portal/",
    }
    for key, value in (extra or {}).items():
        context[key] = value if isinstance(value, bool) else str(value)
    return context


def _template_texts(*, clinic, kind: str, recipient: Recipient | None) -> dict[str, str | None]:
    if recipient is not None:
        custom = recipient.templates.get(kind)
    else:
        custom = MessageTemplate.objects.filter(clinic=clinic, kind=kind).first()
    if custom is None:
        return {"subject": None, "text": None, "html": None, "sms": None}
    return {
        "subject": custom.email_subject,
        "text": custom.email_text,
        "html": custom.email_html,
        "sms": custom.sms_text,
    }


def render_message(
    *, clinic, kind: str, channel: str, context: dict, recipient: Recipient | None = None
) -> tuple[str, str, str]:
    """(subject, text, html) of `kind` for `channel`: the clinic's template if it edited
    one, otherwise the built-in one under templates/messaging/messages/<kind>/. `recipient`
    (a patient of `clinic`) supplies the clinic's templates already read."""
    custom = _template_texts(clinic=clinic, kind=kind, recipient=recipient)
    folder = f"messaging/messages/{kind}"

    def render(engine: Engine, source: str | None, name: str) -> str:
        template = engine.from_string(source) if source else engine.get_template(name)
        return template.render(Context(context)).strip()

    if channel == Channel.SMS:
        return "", render(_TEXT, custom["sms"], f"{folder}/sms.txt"), ""
    subject = " ".join(render(_TEXT, custom["subject"], f"{folder}/subject.txt").split())
    text = render(_TEXT, custom["text"], f"{folder}/body.txt")
    if custom["text"] is not None and not custom["html"]:
        html = ""
    else:
        html = render(_HTML, custom["html"], f"{folder}/body.html")
    return subject[:200], text, html
