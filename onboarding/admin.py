from django.contrib import admin

from onboarding.models import IntakeScreeningAnswer, IntakeSubmission, Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["id", "clinic", "created_at", "expires_at", "used_at", "revoked_at"]
    list_filter = ["clinic"]
    # The token's digest never shows; an invitation is made and used through the services.
    exclude = ["token_hash"]
    readonly_fields = ["clinic", "patient", "email", "created_by", "expires_at", "used_at"]

    def has_add_permission(self, request):
        return False


class AnswerInline(admin.TabularInline):
    model = IntakeScreeningAnswer
    extra = 0
    readonly_fields = ["contraindication", "question", "answer", "details"]
    can_delete = False


@admin.register(IntakeSubmission)
class IntakeSubmissionAdmin(admin.ModelAdmin):
    list_display = ["id", "clinic", "status", "submitted_at", "reviewed_at"]
    list_filter = ["clinic", "status"]
    readonly_fields = ["clinic", "patient", "reviewed_by"]
    inlines = [AnswerInline]

    def has_add_permission(self, request):
        return False
