from django.contrib import admin

from backend.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit rows are append-only (the database refuses changes too)."""

    list_display = ["at", "actor", "clinic", "role", "method", "route", "status_code", "outcome"]
    list_filter = ["outcome", "clinic", "method"]
    list_select_related = ["actor", "clinic"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
