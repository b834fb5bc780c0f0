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


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The outbox, read-only: rows change only through the outbox services."""

    list_display = ["send_at", "patient", "kind", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel", "clinic"]
    search_fields = ["patient__legal_last_name", "recipient", "target_id"]
    date_hierarchy = "send_at"
    actions = [resend_failed]
    readonly_fields = [f.name for f in Reminder._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
