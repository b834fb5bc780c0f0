"""Back office: registration and products are configured here; the ledger, counts and
inventories are read-only (they change only through the services, entries never)."""

from django.contrib import admin

from controlled.models import (
    Inventory,
    LedgerEntry,
    LossNotice,
    Lot,
    PhysicalCount,
    Product,
    Registration,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["registrant_name", "dea_number", "clinic", "expires_on"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "substance", "form", "strength_mg", "units_per_container", "schedule"]
    list_filter = ["clinic", "form", "schedule", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ["lot_number", "product", "expires_on", "supplier_name", "containers_received"]
    list_filter = ["clinic"]
    search_fields = ["lot_number"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["lot", "seq", "kind", "quantity_mg", "balance_after_mg", "occurred_at"]
    list_filter = ["clinic", "kind"]
    list_select_related = ["lot__product"]


@admin.register(PhysicalCount)
class PhysicalCountAdmin(ReadOnlyAdmin):
    list_display = ["lot", "counted_at", "counted_mg", "ledger_balance_mg", "status"]
    list_filter = ["clinic", "status"]


@admin.register(Inventory)
class InventoryAdmin(ReadOnlyAdmin):
    list_display = ["kind", "taken_on", "time_of_day", "clinic"]


@admin.register(LossNotice)
class LossNoticeAdmin(ReadOnlyAdmin):
    list_display = ["entry", "recipient", "created_at", "emailed_at", "acknowledged_at"]
    list_filter = ["clinic"]
    list_select_related = ["entry__lot__product", "recipient__user"]
