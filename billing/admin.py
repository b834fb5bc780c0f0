"""Back-office configuration: the service-code catalogue. Charges, payments and superbills
are changed only through the billing pages and API, where the rules live."""

from django.contrib import admin

from billing.models import ServiceCode


@admin.register(ServiceCode)
class ServiceCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "fee", "requires_em", "is_active", "clinic"]
    list_filter = ["clinic", "is_active", "requires_em"]
    search_fields = ["code", "description"]
