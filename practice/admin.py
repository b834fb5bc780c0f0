"""Back-office configuration in the Django admin: clinics, their staff, and patients.

The admin is for platform operators (superusers and Django staff users); clinic staff
work in the product's own pages, which apply the one scoping mechanism. Opening a
patient here is still a view of their record, so it is audited like any other.
"""

from django import forms
from django.contrib import admin

from backend.audit import audit_access
from practice.models import (
    CareTeam,
    Clinic,
    ClinicalSettings,
    Contraindication,
    Diagnosis,
    Patient,
    StaffMember,
)
from practice.validators import icd10_description, normalize_icd10


class StaffInline(admin.TabularInline):
    model = StaffMember
    fields = ["user", "role", "credentials", "npi", "is_active"]
    raw_id_fields = ["user"]
    extra = 0
    show_change_link = True


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "state", "npi", "tax_id", "timezone", "place_of_service"]
    search_fields = ["name", "npi", "tax_id", "city"]
    list_filter = ["state", "timezone"]
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["name", "phone", "created_at"]}),
        (
            "Address",
            {"fields": ["address_line1", "address_line2", "city", "state", "postal_code"]},
        ),
        (
            "Identifiers and billing",
            {
                "fields": [
                    "npi",
                    "tax_id",
                    "submitter_id",
                    "place_of_service",
                    "telehealth_place_of_service",
                    "rems_setting_id",
                ]
            },
        ),
        ("Scheduling", {"fields": ["timezone"]}),
    ]
    inlines = [StaffInline]


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "username",
        "clinic",
        "role",
        "credentials",
        "npi",
        "license",
        "is_active",
    ]
    list_filter = ["clinic", "role", "is_active"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
        "npi",
        "license_number",
    ]
    list_select_related = ["user", "clinic"]
    raw_id_fields = ["user"]
    fieldsets = [
        (None, {"fields": ["user", "clinic", "role", "is_active"]}),
        (
            "Professional identity",
            {"fields": ["credentials", "npi", "license_number", "license_state"]},
        ),
    ]

    @admin.display(ordering="user__username")
    def username(self, staff):
        return staff.user.username

    @admin.display(description="license")
    def license(self, staff):
        return " ".join(p for p in [staff.license_state, staff.license_number] if p) or "—"


class DiagnosisInlineForm(forms.ModelForm):
    """The description always comes from the official code set, never typed by hand."""

    class Meta:
        model = Diagnosis
        fields = ["rank", "code"]

    def clean_code(self):
        return normalize_icd10(self.cleaned_data["code"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("code") and "code" not in self.errors:
            self.instance.description = icd10_description(cleaned["code"])
        return cleaned


class DiagnosisInline(admin.TabularInline):
    model = Diagnosis
    form = DiagnosisInlineForm
    fields = ["rank", "code", "description"]
    readonly_fields = ["description"]
    extra = 0


class CareTeamInline(admin.TabularInline):
    model = CareTeam
    fields = ["staff", "is_primary", "added_at"]
    readonly_fields = ["added_at"]
    raw_id_fields = ["staff"]
    extra = 0


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    """No delete, here or in bulk: a patient's record is kept; deactivate them instead
    (practice.services.patient_deactivate, on the patient page or the API)."""

    list_display = [
        "legal_last_name",
        "legal_first_name",
        "preferred_name",
        "date_of_birth",
        "clinic",
        "insurance_payer",
        "has_portal_login",
    ]
    list_display_links = ["legal_last_name", "legal_first_name"]
    list_filter = ["clinic", "sex", "insurance_payer"]
    search_fields = [
        "legal_last_name",
        "legal_first_name",
        "preferred_name",
        "email",
        "insurance_member_id",
    ]
    list_select_related = ["clinic"]
    raw_id_fields = ["user"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "is_active",
        "deactivated_at",
        "deactivated_by",
        "deactivation_reason",
    ]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    fieldsets = [
        (
            None,
            {
                "fields": [
                    "clinic",
                    "user",
                    ("legal_first_name", "legal_last_name", "preferred_name"),
                    ("date_of_birth", "sex"),
                    ("created_at", "updated_at"),
                ]
            },
        ),
        (
            "Contact",
            {
                "fields": [
                    ("phone", "email"),
                    "address_line1",
                    "address_line2",
                    ("city", "state", "postal_code"),
                ]
            },
        ),
        (
            "Insurance",
            {
                "fields": [
                    "insurance_payer",
                    "insurance_payer_id",
                    "insurance_member_id",
                    "insurance_group_number",
                ]
            },
        ),
        (
            "Safety contacts",
            {
                "fields": [
                    (
                        "emergency_contact_name",
                        "emergency_contact_relationship",
                        "emergency_contact_phone",
                    ),
                    ("escort_name", "escort_phone"),
                ]
            },
        ),
        ("Esketamine", {"fields": ["rems_patient_id"]}),
    ]
    inlines = [DiagnosisInline, CareTeamInline]

    @admin.display(boolean=True, description="portal")
    def has_portal_login(self, patient):
        return patient.user_id is not None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            patient = self.get_object(request, object_id)
            if patient is not None:
                audit_access(patient)
        return super().change_view(request, object_id, form_url, extra_context)


# Clinical configuration (clinic admins also change these on the clinical settings page).


@admin.register(ClinicalSettings)
class ClinicalSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "clinic",
        "predose_systolic_refuse_at",
        "predose_diastolic_refuse_at",
        "fasting_hours",
        "screening_valid_months",
        "integration_within_days",
    ]


@admin.register(Contraindication)
class ContraindicationAdmin(admin.ModelAdmin):
    list_display = ["name", "clinic", "severity", "position", "is_active"]
    list_filter = ["clinic", "severity", "is_active"]
