"""Patients, their care teams and diagnoses."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField

from practice.choices import (
    InsuredRelationship,
    Sex,
)
from practice.models.clinics import AddressFields, Clinic, StaffMember
from practice.querysets import PatientQuerySet, PatientScopedQuerySet
from practice.validators import (
    validate_icd10cm,
    validate_not_future,
)


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
    insurance_payer_id = models.CharField(
        "payer ID",
        max_length=80,
        blank=True,
        help_text="The insurer's electronic payer ID (from the card or the clearinghouse's "
        "list): claims are sent to it.",
    )
    insurance_member_id = models.CharField(max_length=60, blank=True)
    insurance_group_number = models.CharField(max_length=60, blank=True)
    # The policy holder, when it is not the patient (a spouse's or a parent's plan).
    insured_name = models.CharField("insured's name", max_length=120, blank=True)
    insured_relationship = models.CharField(
        "patient's relationship to the insured",
        max_length=8,
        choices=InsuredRelationship.choices,
        blank=True,
    )
    insured_date_of_birth = models.DateField(
        "insured's date of birth", null=True, blank=True, validators=[validate_not_future]
    )
    medications = models.TextField(
        "current medications", blank=True, help_text="As the patient reported them."
    )
    allergies = models.TextField(blank=True, help_text="As the patient reported them.")
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    emergency_contact_phone = PhoneNumberField(blank=True)
    escort_name = models.CharField("escort / driver name", max_length=120, blank=True)
    escort_phone = PhoneNumberField("escort / driver phone", blank=True)
    rems_patient_id = models.CharField(
        "SPRAVATO REMS patient ID",
        max_length=40,
        blank=True,
        help_text="Given when the patient is enrolled in the esketamine REMS.",
    )
    # A patient is never deleted (their record must be kept); they are deactivated with a
    # reason (practice.services.patients.patient_deactivate) and drop out of active lists.
    is_active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deactivation_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["legal_last_name", "legal_first_name", "id"]
        indexes = [models.Index(fields=["clinic", "legal_last_name", "legal_first_name"])]
        constraints = [
            models.CheckConstraint(
                name="patient_inactive_has_reason",
                condition=models.Q(is_active=True) | ~models.Q(deactivation_reason=""),
            )
        ]

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
