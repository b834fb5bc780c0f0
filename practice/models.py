"""Clinics, the people in them, and the clinical record they share.

Every clinic-owned row carries `clinic_id` so that one database can serve many clinics and
every queryset can be scoped by clinic (see `practice.querysets`).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from phonenumber_field.modelfields import PhoneNumberField

from practice.choices import PlanStatus, Route, SessionKind, SessionStatus, Sex, StaffRole
from practice.querysets import ClinicScopedQuerySet, PatientQuerySet, PatientScopedQuerySet
from practice.validators import (
    validate_ein,
    validate_icd10cm,
    validate_not_future,
    validate_npi,
    validate_place_of_service,
    validate_timezone,
)


class AddressFields(models.Model):
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address (line 2)", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True, help_text="Two-letter state code.")
    postal_code = models.CharField("ZIP code", max_length=10, blank=True)

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        city_line = " ".join(
            p for p in [f"{self.city}," if self.city else "", self.state, self.postal_code] if p
        )
        return [line for line in [self.address_line1, self.address_line2, city_line] if line]


class Clinic(AddressFields):
    """A practice: its registered identity, where it is, and the settings its rules use."""

    name = models.CharField(max_length=200, help_text="Legal name as registered with the NPI.")
    phone = PhoneNumberField(blank=True)
    timezone = models.CharField(
        max_length=64, default="America/Denver", validators=[validate_timezone]
    )
    npi = models.CharField(
        "organisation NPI (type 2)", max_length=10, blank=True, validators=[validate_npi]
    )
    tax_id = models.CharField("tax id (EIN)", max_length=10, blank=True, validators=[validate_ein])
    place_of_service = models.CharField(
        "default place-of-service code",
        max_length=2,
        default="11",
        validators=[validate_place_of_service],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClinicScopedQuerySet.scoped(clinic_path="pk")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class StaffMember(models.Model):
    """A person who works at a clinic, with one role there and their professional identity."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_member"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(max_length=16, choices=StaffRole.choices)
    credentials = models.CharField(max_length=40, blank=True, help_text='e.g. "LCSW", "MD", "NP".')
    npi = models.CharField(
        "individual NPI (type 1)", max_length=10, blank=True, validators=[validate_npi]
    )
    license_number = models.CharField(max_length=40, blank=True)
    license_state = models.CharField(max_length=2, blank=True)
    is_active = models.BooleanField(default=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        name = self.user.get_full_name() or self.user.get_username()
        return f"{name}, {self.credentials}" if self.credentials else name


class Patient(AddressFields):
    """A person under a clinic's care, with what the clinic needs to treat and bill them."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient",
        help_text="Portal login, if the patient has one.",
    )
    legal_first_name = models.CharField(max_length=100)
    legal_last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(validators=[validate_not_future])
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = PhoneNumberField(blank=True)
    email = models.EmailField(blank=True)
    insurance_payer = models.CharField(max_length=120, blank=True)
    insurance_member_id = models.CharField(max_length=60, blank=True)
    insurance_group_number = models.CharField(max_length=60, blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    emergency_contact_phone = PhoneNumberField(blank=True)
    escort_name = models.CharField("escort / driver name", max_length=120, blank=True)
    escort_phone = PhoneNumberField("escort / driver phone", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["legal_last_name", "legal_first_name", "id"]
        indexes = [models.Index(fields=["clinic", "legal_last_name", "legal_first_name"])]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.legal_first_name} {self.legal_last_name}"

    @property
    def display_name(self) -> str:
        if self.preferred_name and self.preferred_name != self.legal_first_name:
            return f"{self.preferred_name} ({self.legal_first_name}) {self.legal_last_name}"
        return self.full_name


class CareTeam(models.Model):
    """A staff member on a patient's care team: who may see and treat the patient."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_team")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="care_teams")
    is_primary = models.BooleanField(default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(clinic_path="patient__clinic")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "staff"], name="care_team_once")]
        ordering = ["-is_primary", "id"]

    def __str__(self):
        return f"{self.staff} → {self.patient}"


class Diagnosis(models.Model):
    """An ICD-10-CM diagnosis of a patient, ranked (1 = primary) as on a claim form."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="diagnoses")
    code = models.CharField("ICD-10-CM code", max_length=8, validators=[validate_icd10cm])
    description = models.CharField(max_length=255, blank=True)
    rank = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(clinic_path="patient__clinic")

    class Meta:
        ordering = ["patient", "rank"]
        verbose_name_plural = "diagnoses"
        constraints = [
            models.UniqueConstraint(fields=["patient", "rank"], name="diagnosis_rank_once"),
            models.UniqueConstraint(fields=["patient", "code"], name="diagnosis_code_once"),
        ]

    def __str__(self):
        return f"{self.code} {self.description}"


class TreatmentPlan(models.Model):
    """A patient's course of KAP: route, starting dose, induction then maintenance."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="plans")
    diagnoses = models.ManyToManyField(Diagnosis, blank=True, related_name="plans")
    route = models.CharField(max_length=8, choices=Route.choices)
    starting_dose_mg_per_kg = models.DecimalField(
        "starting dose (mg/kg)",
        max_digits=5,
        decimal_places=3,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    induction_target_sessions = models.PositiveSmallIntegerField(default=6)
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    created_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.patient} – {self.get_route_display()} ({self.get_status_display()})"


class Session(models.Model):
    """One appointment of a patient with a clinician: preparation, dosing or integration.

    A group session (an integration circle) is one Session per attendee sharing a
    `booking_key`: the room and clinician rules treat rows with the same key as one booking,
    and each attendee keeps their own status, note and charge.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sessions")
    plan = models.ForeignKey(
        TreatmentPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    kind = models.CharField(max_length=16, choices=SessionKind.choices)
    clinician = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="sessions")
    room = models.ForeignKey(
        "scheduling.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    booking_key = models.UUIDField(default=uuid.uuid4, editable=False)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["clinic", "starts_at"]),
            models.Index(fields=["clinician", "starts_at"]),
            models.Index(fields=["patient", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.patient} – {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class DosingRecord(models.Model):
    """The ketamine given in a dosing session, by whom, and how the patient fared."""

    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="dosing")
    route = models.CharField(max_length=8, choices=Route.choices)
    dose_mg = models.DecimalField(max_digits=7, decimal_places=2, validators=[MinValueValidator(0)])
    weight_kg = models.DecimalField(
        max_digits=5, decimal_places=1, validators=[MinValueValidator(1)]
    )
    lot_number = models.CharField(max_length=40, blank=True)
    administered_at = models.DateTimeField(null=True, blank=True)
    administered_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(
        patient_path="session__patient", clinic_path="session__clinic"
    )

    def __str__(self):
        return f"{self.dose_mg} mg {self.get_route_display()} – {self.session}"
