"""Back-office configuration of patient messages, and the outbox (read-only)."""

from django.contrib import admin, messages

from messaging.errors import ReminderNotResendable
from messaging.models import (
    MessagePreference,
    MessageTemplate,
    PatientMessaging,
    Reminder,
    ReminderRule,
    ReminderSettings,
)
from messaging.services import outbox
from messaging.services.outbox.sending import SCRUBBED_ONCE_SENT, scrubbed


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["clinic", "quiet_hours_start", "quiet_hours_end"]


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    list_display = ["clinic", "kind", "offset_minutes", "enabled"]
    list_filter = ["clinic", "kind", "enabled"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["clinic", "kind", "email_subject", "updated_at"]
    list_filter = ["clinic", "kind"]


@admin.register(PatientMessaging)
class PatientMessagingAdmin(admin.ModelAdmin):
    list_display = ["patient", "sms_consent_at", "share_session_type"]
    raw_id_fields = ["patient"]


@admin.register(MessagePreference)
class MessagePreferenceAdmin(admin.ModelAdmin):
    list_display = ["patient", "kind", "channel"]
    list_filter = ["kind", "channel"]
    raw_id_fields = ["patient"]


@admin.action(description="Send the selected failed messages again")
def resend_failed(modeladmin, request, queryset):
    resent = 0
    for reminder in queryset:
        try:
            outbox.reminder_resend(reminder=reminder)
            resent += 1
        except ReminderNotResendable:
            continue
    messages.info(request, f"{resent} message(s) will be sent again.")


def _without_secret(reminder: Reminder, body: str) -> str:
    return scrubbed(body) if reminder.kind in SCRUBBED_ONCE_SENT else body


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The outbox, read-only: rows change only through the outbox services."""

    list_display = ["send_at", "patient", "kind", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel", "clinic"]
    search_fields = ["patient__legal_last_name", "recipient", "target_id"]
    date_hierarchy = "send_at"
    actions = [resend_failed]
    # The body is shown through `text` and `html`: a one-time link (the portal invitation)
    # is never shown here, not even before the message goes out, so no one who reads the
    # outbox can use it before the patient does.
    exclude = ["body_text", "body_html"]
    readonly_fields = [
        f.name for f in Reminder._meta.fields if f.name not in ("body_text", "body_html")
    ] + ["text", "html"]

    @admin.display(description="Body (text)")
    def text(self, reminder):
        return _without_secret(reminder, reminder.body_text)

    @admin.display(description="Body (HTML source)")
    def html(self, reminder):
        return _without_secret(reminder, reminder.body_html)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
