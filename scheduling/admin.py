"""Back-office configuration of the calendar: rooms, hours, policies, retreats."""

from django.contrib import admin

from practice.models import Room
from scheduling.models import (
    AvailabilityException,
    Retreat,
    RetreatTemplateItem,
    SchedulingPolicy,
    SessionConfirmation,
    WorkingHours,
)


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "clinic", "capacity", "dosing_capable", "is_active"]
    list_filter = ["clinic", "dosing_capable", "is_active"]


@admin.register(SchedulingPolicy)
class SchedulingPolicyAdmin(admin.ModelAdmin):
    list_display = ["clinic", "slot_step_minutes", "cancellation_window_hours"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["clinician", "weekday", "start_time", "end_time", "valid_from", "valid_until"]
    list_filter = ["clinic", "weekday"]


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(admin.ModelAdmin):
    list_display = ["clinician", "kind", "starts_on", "ends_on", "start_time", "end_time"]
    list_filter = ["clinic", "kind"]


class TemplateInline(admin.TabularInline):
    model = RetreatTemplateItem
    extra = 0


@admin.register(Retreat)
class RetreatAdmin(admin.ModelAdmin):
    list_display = ["name", "clinic", "starts_on", "ends_on", "capacity", "price"]
    filter_horizontal = ["staff", "rooms"]
    inlines = [TemplateInline]


@admin.register(SessionConfirmation)
class SessionConfirmationAdmin(admin.ModelAdmin):
    list_display = ["session", "status", "responded_at"]
    list_filter = ["status"]
    raw_id_fields = ["session"]
