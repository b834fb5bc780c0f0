"""Clinics, the people in them, and the clinical record they share.

Every clinic-owned row carries `clinic_id` so that one database can serve many clinics and
every queryset can be scoped by clinic (see `practice.querysets`).
"""

import datetime
import uuid
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from practice.choices import (
    AdverseEventKind,
    AdverseEventSeverity,
    AlertKind,
    AlertSeverity,
    ContraindicationSeverity,
    Instrument,
    PlanStatus,
    RiskLevel,
    Route,
    ScreeningResult,
    Sedation,
    SessionKind,
    SessionStatus,
    Sex,
    StaffRole,
)
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
    rems_setting_id = models.CharField(
        "SPRAVATO REMS healthcare setting ID",
        max_length=40,
        blank=True,
        help_text="The certification the REMS gave the clinic, printed on the esketamine "
        "patient monitoring form.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClinicScopedQuerySet.scoped(clinic_path="pk")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def today(self) -> datetime.date:
        """Today where the clinic is: an evening in Denver is already tomorrow in UTC, and
        dates (expiry, inventories, screenings) count in the clinic's days."""
        return timezone.localdate(timezone=self.zone)

    @classmethod
    def today_of(cls, clinic_id: int) -> datetime.date:
        return cls.objects.only("timezone").get(pk=clinic_id).today()


class Room(models.Model):
    """A room sessions are held in; only a dosing-capable room may host a dosing session.

    Capacity counts the people one booking may seat: a group session (one `booking_key`)
    may hold up to `capacity` attendees; two different bookings never share a room.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=80)
    capacity = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    dosing_capable = models.BooleanField(
        default=False, help_text="Has monitoring equipment and a recliner for dosing sessions."
    )
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        # The table keeps the name it was created with in scheduling.
        db_table = "scheduling_room"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="room_name_once_per_clinic"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="room_capacity_positive"),
        ]

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
    rems_patient_id = models.CharField(
        "SPRAVATO REMS patient ID",
        max_length=40,
        blank=True,
        help_text="Given when the patient is enrolled in the esketamine REMS.",
    )
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
    """A patient's course of KAP: route, starting dose, induction then maintenance.

    Ketamine's starting dose is in mg/kg; esketamine's is a fixed dose in mg (56 or 84,
    the label's only doses: practice/esketamine.py), never both.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="plans")
    diagnoses = models.ManyToManyField(Diagnosis, blank=True, related_name="plans")
    route = models.CharField(max_length=20, choices=Route.choices)
    starting_dose_mg_per_kg = models.DecimalField(
        "starting dose (mg/kg)",
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="Ketamine routes.",
    )
    starting_dose_mg = models.DecimalField(
        "starting dose (mg)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Esketamine: 56 or 84 mg.",
    )
    induction_target_sessions = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    induction_weeks = models.PositiveSmallIntegerField(
        "induction length (weeks)",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(26)],
        help_text="About how long the induction doses should take.",
    )
    maintenance_interval_days = models.PositiveSmallIntegerField(
        "maintenance interval (days)",
        default=30,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
    )
    goals = models.TextField(blank=True, help_text="What the patient hopes to change.")
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    screening = models.ForeignKey(
        "Screening",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The cleared screening the plan was activated on.",
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    maintenance_started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=PlanStatus.DISCONTINUED) | ~Q(end_reason=""),
                name="plan_discontinued_has_reason",
            ),
            models.CheckConstraint(
                condition=(
                    Q(route=Route.ESKETAMINE_NASAL)
                    & Q(starting_dose_mg__in=[56, 84])
                    & Q(starting_dose_mg_per_kg__isnull=True)
                )
                | (
                    ~Q(route=Route.ESKETAMINE_NASAL)
                    & Q(starting_dose_mg_per_kg__isnull=False)
                    & Q(starting_dose_mg__isnull=True)
                ),
                name="plan_starting_dose_fits_route",
            ),
        ]

    def __str__(self):
        return f"{self.patient} – {self.get_route_display()} ({self.get_status_display()})"

    def clean(self):
        """The starting dose in the route's unit: mg/kg for ketamine, 56 or 84 mg for
        esketamine (the label's doses)."""
        from django.core.exceptions import ValidationError

        from practice import esketamine

        errors = {}
        if esketamine.is_esketamine(self.route):
            if self.starting_dose_mg_per_kg is not None:
                errors["starting_dose_mg_per_kg"] = (
                    "Esketamine is dosed in mg, not mg/kg: give the starting dose in mg."
                )
            if self.starting_dose_mg is None or not esketamine.allowed_dose(self.starting_dose_mg):
                errors["starting_dose_mg"] = (
                    f"An esketamine session's dose is {esketamine.doses_text()}."
                )
        else:
            if self.starting_dose_mg_per_kg is None:
                errors["starting_dose_mg_per_kg"] = "Give the starting dose in mg/kg."
            if self.starting_dose_mg is not None:
                errors["starting_dose_mg"] = (
                    "A starting dose in mg is for esketamine; ketamine's is in mg/kg."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def starting_dose_display(self) -> str:
        if self.starting_dose_mg is not None:
            return f"{self.starting_dose_mg.normalize():f} mg"
        if self.starting_dose_mg_per_kg is None:
            return "—"
        return f"{self.starting_dose_mg_per_kg.normalize():f} mg/kg"

    @property
    def is_running(self) -> bool:
        """Doses may be given under this plan (induction or maintenance)."""
        return self.status in (PlanStatus.ACTIVE, PlanStatus.MAINTENANCE)


class PlanTargetChange(models.Model):
    """Medical staff changed a plan's induction target, saying why.

    Past the target the dosing gate refuses another induction dose: the plan moves to
    maintenance, or the target is raised here. The plan's own row keeps the new number (and
    the audit log its change); this row keeps the reason beside it, for the plan's page.
    """

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="target_changes")
    from_sessions = models.PositiveSmallIntegerField()
    to_sessions = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    reason = models.CharField(max_length=500)
    changed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    objects = PatientScopedQuerySet.scoped(patient_path="plan__patient", clinic_path="plan__clinic")

    class Meta:
        ordering = ["plan", "changed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="plan_target_change_has_reason"),
            models.CheckConstraint(
                condition=~Q(from_sessions=F("to_sessions")), name="plan_target_change_changes"
            ),
        ]

    def __str__(self):
        return f"Induction target {self.from_sessions} → {self.to_sessions} ({self.plan})"


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
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
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
    """The ketamine (or esketamine) given in a dosing session, by whom, and how the patient
    fared."""

    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="dosing")
    route = models.CharField(max_length=20, choices=Route.choices)
    dose_mg = models.DecimalField(max_digits=7, decimal_places=2, validators=[MinValueValidator(0)])
    weight_kg = models.DecimalField(
        max_digits=5, decimal_places=1, validators=[MinValueValidator(1)]
    )
    dose_mg_per_kg = models.DecimalField(
        "dose (mg/kg)", max_digits=6, decimal_places=3, null=True, blank=True, editable=False
    )
    lot_number = models.CharField(max_length=40, blank=True)
    administered_at = models.DateTimeField(null=True, blank=True)
    administered_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    # The pre-dose gate's inputs, kept as they were when the dose was allowed.
    escort_confirmed = models.BooleanField(
        "escort / driver confirmed", default=False, help_text="Someone will take the patient home."
    )
    fasting_confirmed = models.BooleanField(default=False)
    predose_systolic = models.PositiveSmallIntegerField(
        "pre-dose systolic (mmHg)",
        null=True,
        validators=[MinValueValidator(50), MaxValueValidator(300)],
    )
    predose_diastolic = models.PositiveSmallIntegerField(
        "pre-dose diastolic (mmHg)",
        null=True,
        validators=[MinValueValidator(20), MaxValueValidator(200)],
    )
    predose_heart_rate = models.PositiveSmallIntegerField(
        "pre-dose heart rate (bpm)",
        null=True,
        blank=True,
        validators=[MinValueValidator(20), MaxValueValidator(250)],
    )
    predose_spo2 = models.PositiveSmallIntegerField(
        "pre-dose SpO2 (%)",
        null=True,
        blank=True,
        validators=[MinValueValidator(50), MaxValueValidator(100)],
    )
    weight_confirmed = models.BooleanField(
        default=False,
        help_text="The day's weight differs from the screening's by more than the clinic's "
        "margin and was re-checked.",
    )
    # A dose outside the route's range or the plan's dose, given on purpose: who, why, and
    # what the gate said (the words of the refusal the override answered).
    dose_override_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dose_override_reason = models.CharField(max_length=500, blank=True)
    dose_override_for = models.CharField(
        "dose override answered", max_length=500, blank=True, editable=False
    )
    dissociation_score = models.PositiveSmallIntegerField(
        "peak dissociation (0–10)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
        help_text="Clinician's rating: 0 none, 10 complete (unresponsive to surroundings).",
    )
    sedation = models.CharField(
        "deepest sedation",
        max_length=10,
        choices=Sedation.choices,
        blank=True,
        help_text="Assessed after the dose; required before discharge after esketamine.",
    )
    notes = models.TextField(blank=True)
    # The discharge checklist: all three before the patient leaves and the session completes.
    discharge_vitals_near_baseline = models.BooleanField(default=False)
    discharge_alert_and_oriented = models.BooleanField(default=False)
    discharge_escort_present = models.BooleanField(default=False)
    # The assessment the esketamine label asks for after the two hours (required for it).
    discharge_ready_per_clinical_judgement = models.BooleanField(
        "clinically stable and ready to leave, per clinical judgement", default=False
    )
    # The REMS's evaluation question: without the two-hour minimum, when would the patient
    # have been ready to leave (minutes from the dose)?
    ready_after_minutes = models.PositiveSmallIntegerField(
        "ready to leave after (minutes), were there no two-hour minimum",
        null=True,
        blank=True,
        validators=[MaxValueValidator(24 * 60)],
    )
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharged_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(
        patient_path="session__patient", clinic_path="session__clinic"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(dose_mg__gt=0), name="dosing_dose_positive"),
            models.CheckConstraint(
                condition=Q(discharged_at__isnull=True)
                | Q(
                    discharge_vitals_near_baseline=True,
                    discharge_alert_and_oriented=True,
                    discharge_escort_present=True,
                ),
                name="dosing_discharge_checklist_complete",
            ),
            models.CheckConstraint(
                condition=Q(dose_override_by__isnull=True, dose_override_reason="")
                | (Q(dose_override_by__isnull=False) & ~Q(dose_override_reason="")),
                name="dosing_override_has_reason",
            ),
            # Esketamine: the label's doses only, and no discharge without the clinical
            # judgement (the service lists every other REMS item; the database keeps these).
            models.CheckConstraint(
                condition=~Q(route=Route.ESKETAMINE_NASAL) | Q(dose_mg__in=[56, 84]),
                name="dosing_esketamine_label_dose",
            ),
            models.CheckConstraint(
                condition=~Q(route=Route.ESKETAMINE_NASAL)
                | Q(discharged_at__isnull=True)
                | Q(discharge_ready_per_clinical_judgement=True),
                name="dosing_esketamine_discharge_judged",
            ),
        ]

    def __str__(self):
        return f"{self.dose_mg} mg {self.get_route_display()} – {self.session}"

    @property
    def discharge_complete(self) -> bool:
        return self.discharged_at is not None

    @property
    def dose_overridden(self) -> bool:
        return self.dose_override_by_id is not None

    @property
    def is_esketamine(self) -> bool:
        return self.route == Route.ESKETAMINE_NASAL


def _mg_per_kg(label: str, default: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=5, decimal_places=3, default=Decimal(default))


# How each route's settings are named in ClinicalSettings (`im_dose_min_mg_per_kg`, …).
ROUTE_SETTING_PREFIX = {
    Route.INTRAMUSCULAR: "im",
    Route.INTRAVENOUS: "iv",
    Route.SUBCUTANEOUS: "sc",
    Route.ORAL: "oral",
    Route.INTRANASAL: "nasal",
}


def _default_instruments() -> list[str]:
    return [Instrument.GAD7.value, Instrument.PHQ9.value]


def _default_after_dose_hours() -> list[int]:
    return [24, 168]


class ClinicalSettings(models.Model):
    """A clinic's clinical thresholds and schedules: what the safety rules compare against.

    One row per clinic, created with the defaults on first use
    (`practice.selectors.clinical_settings_for`). Changed by a clinic admin.
    """

    clinic = models.OneToOneField(
        Clinic, on_delete=models.CASCADE, related_name="clinical_settings"
    )
    # Pre-dose gate: dosing is refused at or above either number.
    predose_systolic_refuse_at = models.PositiveSmallIntegerField(
        "refuse dosing at systolic ≥ (mmHg)", default=160
    )
    predose_diastolic_refuse_at = models.PositiveSmallIntegerField(
        "refuse dosing at diastolic ≥ (mmHg)", default=100
    )
    fasting_hours = models.PositiveSmallIntegerField(
        "fasting before dosing (hours)", default=4, validators=[MaxValueValidator(24)]
    )
    # Vital signs during a session: a reading past any of these raises an alert.
    alert_systolic_at = models.PositiveSmallIntegerField("alert at systolic ≥", default=180)
    alert_diastolic_at = models.PositiveSmallIntegerField("alert at diastolic ≥", default=110)
    alert_heart_rate_above = models.PositiveSmallIntegerField("alert at heart rate >", default=120)
    alert_heart_rate_below = models.PositiveSmallIntegerField("alert at heart rate <", default=50)
    alert_spo2_below = models.PositiveSmallIntegerField("alert at SpO2 < (%)", default=92)
    # Pre-dose gate, continued: pulse oximetry and heart rate, then the day's weight.
    predose_spo2_refuse_below = models.PositiveSmallIntegerField(
        "refuse dosing at SpO2 < (%)", default=94
    )
    predose_heart_rate_refuse_above = models.PositiveSmallIntegerField(
        "refuse dosing at heart rate >", default=110
    )
    predose_heart_rate_refuse_below = models.PositiveSmallIntegerField(
        "refuse dosing at heart rate <", default=50
    )
    weight_confirm_percent = models.PositiveSmallIntegerField(
        "confirm a weight off the screening's by more than (%)", default=10
    )
    # The dose. Past these a dose needs a medical override with a reason.
    #
    # Route ranges (mg/kg): defaults a clinic starts from, each with its basis; the clinic's
    # prescriber sets its own.
    # - IV 0.1–1.0: the IV dose-finding trial in depression gave 0.1, 0.2, 0.5 and 1.0 mg/kg
    #   (Fava et al., Mol Psychiatry 2020;25:1592–1603); 0.5 mg/kg over 40 minutes is the
    #   reference dose (Zarate et al., Arch Gen Psychiatry 2006;63:856–864).
    # - IM 0.1–2.0: 0.1–0.5 mg/kg in the IV/IM/SC dose-titration trial (Loo et al., Acta
    #   Psychiatr Scand 2016;134:48–56); 2.0 mg/kg is the high dose of ketamine
    #   psychotherapy trials (Krupitsky et al., J Subst Abuse Treat 2002;23:273–283).
    # - SC 0.1–0.5: Loo et al. 2016, above.
    # - Oral (troche, held in the mouth) 0.5–5.0: 1 mg/kg in the oral trial of Domany et al.
    #   (Br J Psychiatry 2019;214:20–26); 5 mg/kg is a 300 mg troche, the top of the usual
    #   100–300 mg (practice/reference.py), for a 60 kg adult.
    # - Intranasal 0.1–1.5: 50 mg (about 0.7 mg/kg) in the intranasal trial of Lapidus et
    #   al. (Biol Psychiatry 2014;76:970–976); bioavailability is about half of IV.
    dose_plan_margin_percent = models.PositiveSmallIntegerField(
        "override needed for a dose off the plan's by more than (%)", default=25
    )
    im_dose_min_mg_per_kg = _mg_per_kg("IM dose from (mg/kg)", "0.100")
    im_dose_max_mg_per_kg = _mg_per_kg("IM dose up to (mg/kg)", "2.000")
    iv_dose_min_mg_per_kg = _mg_per_kg("IV dose from (mg/kg)", "0.100")
    iv_dose_max_mg_per_kg = _mg_per_kg("IV dose up to (mg/kg)", "1.000")
    sc_dose_min_mg_per_kg = _mg_per_kg("SC dose from (mg/kg)", "0.100")
    sc_dose_max_mg_per_kg = _mg_per_kg("SC dose up to (mg/kg)", "0.500")
    oral_dose_min_mg_per_kg = _mg_per_kg("oral dose from (mg/kg)", "0.500")
    oral_dose_max_mg_per_kg = _mg_per_kg("oral dose up to (mg/kg)", "5.000")
    nasal_dose_min_mg_per_kg = _mg_per_kg("intranasal dose from (mg/kg)", "0.100")
    nasal_dose_max_mg_per_kg = _mg_per_kg("intranasal dose up to (mg/kg)", "1.500")
    # Discharge: the least observation after the dose, per route, then the last reading.
    #
    # No regulation sets a minimum for racemic ketamine; these defaults are a conservative
    # clinical convention: 60 minutes after IV, IM, SC and intranasal doses, whose effects
    # peak within minutes and fade over about an hour (practice/reference.py), and 90 after
    # an oral dose, absorbed more slowly (peak plasma 30–60 minutes: Yanagihara et al.,
    # Biopharm Drug Dispos 2003;24:37–43; Rolan et al., Br J Clin Pharmacol
    # 2014;77:1011–1016). Esketamine nasal spray needs at least 120 minutes, never less:
    # the SPRAVATO REMS requires monitoring for at least two hours after each dose.
    im_observe_minutes = models.PositiveSmallIntegerField(
        "after IM, observe at least (minutes)", default=60
    )
    iv_observe_minutes = models.PositiveSmallIntegerField(
        "after IV, observe at least (minutes)", default=60
    )
    sc_observe_minutes = models.PositiveSmallIntegerField(
        "after SC, observe at least (minutes)", default=60
    )
    oral_observe_minutes = models.PositiveSmallIntegerField(
        "after oral, observe at least (minutes)", default=90
    )
    nasal_observe_minutes = models.PositiveSmallIntegerField(
        "after intranasal, observe at least (minutes)", default=60
    )
    esketamine_observe_minutes = models.PositiveSmallIntegerField(
        "after esketamine, observe at least (minutes; the REMS's 120 at least)", default=120
    )
    # The label's blood-pressure reading at about 40 minutes after an esketamine dose: a
    # reading in this window counts as that one.
    esketamine_bp_check_from_minutes = models.PositiveSmallIntegerField(
        "esketamine: the ~40-minute blood pressure, from (minutes after the dose)", default=30
    )
    esketamine_bp_check_until_minutes = models.PositiveSmallIntegerField(
        "esketamine: the ~40-minute blood pressure, until (minutes after the dose)", default=50
    )
    discharge_systolic_below = models.PositiveSmallIntegerField(
        "discharge needs systolic <", default=160
    )
    discharge_diastolic_below = models.PositiveSmallIntegerField(
        "discharge needs diastolic <", default=100
    )
    discharge_spo2_at_least = models.PositiveSmallIntegerField(
        "discharge needs SpO2 ≥ (%)", default=94
    )
    discharge_baseline_tolerance_percent = models.PositiveSmallIntegerField(
        "near baseline: within (%) of the pre-dose reading", default=20
    )
    screening_valid_months = models.PositiveSmallIntegerField(
        "screening valid for (months)", default=12, validators=[MinValueValidator(1)]
    )
    integration_within_days = models.PositiveSmallIntegerField(
        "integration session within (days) of a dose",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    # Outcome measures are tied to dosing, not to the calendar.
    measure_instruments = models.JSONField(
        default=_default_instruments, help_text='Instruments to collect, e.g. ["gad7", "phq9"].'
    )
    measure_baseline_before_first_dose = models.BooleanField(default=True)
    measure_after_dose_hours = models.JSONField(
        default=_default_after_dose_hours,
        help_text="Hours after each induction dose when questionnaires are due, e.g. [24, 168].",
    )
    measure_maintenance_days = models.PositiveSmallIntegerField(
        "questionnaires every (days) in maintenance", default=30, validators=[MinValueValidator(1)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "clinical settings"
        verbose_name_plural = "clinical settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(predose_systolic_refuse_at__gt=F("predose_diastolic_refuse_at")),
                name="settings_predose_systolic_above_diastolic",
            ),
            models.CheckConstraint(
                condition=Q(alert_heart_rate_above__gt=F("alert_heart_rate_below")),
                name="settings_heart_rate_band",
            ),
            models.CheckConstraint(
                condition=Q(alert_spo2_below__lte=100), name="settings_spo2_percent"
            ),
            models.CheckConstraint(
                condition=Q(esketamine_observe_minutes__gte=120),
                name="settings_esketamine_observed_two_hours",
            ),
        ]

    def __str__(self):
        return f"Clinical settings of {self.clinic}"

    # A route added without its settings waits this long: the longest rule known, the
    # esketamine REMS's two hours.
    UNSET_ROUTE_OBSERVE_MINUTES = 120

    def dose_range(self, route: str) -> tuple[Decimal, Decimal] | None:
        """The route's dose range in mg/kg, (lowest, highest), both allowed; None for a
        route without settings (the gate then refuses every dose by it)."""
        prefix = ROUTE_SETTING_PREFIX.get(route)
        if prefix is None:
            return None
        return (
            Decimal(getattr(self, f"{prefix}_dose_min_mg_per_kg")),
            Decimal(getattr(self, f"{prefix}_dose_max_mg_per_kg")),
        )

    def observe_minutes(self, route: str) -> int:
        """The least observation after a dose by `route` before discharge (after
        esketamine never under the REMS's two hours, whatever the row says)."""
        from practice import esketamine

        if esketamine.is_esketamine(route):
            return max(self.esketamine_observe_minutes, esketamine.MIN_OBSERVE_MINUTES)
        prefix = ROUTE_SETTING_PREFIX.get(route)
        if prefix is None:
            return self.UNSET_ROUTE_OBSERVE_MINUTES
        return getattr(self, f"{prefix}_observe_minutes")

    def esketamine_bp_window(self) -> tuple[int, int]:
        """Minutes after an esketamine dose within which a reading is the ~40-minute one."""
        return self.esketamine_bp_check_from_minutes, self.esketamine_bp_check_until_minutes

    # Outside these bounds a number is a typo, not a clinical choice: a refusal at 0 would
    # refuse every dose, one at 999 would switch the gate off.
    BOUNDS = {
        "predose_systolic_refuse_at": (120, 220),
        "predose_diastolic_refuse_at": (70, 130),
        "fasting_hours": (0, 24),
        "alert_systolic_at": (120, 250),
        "alert_diastolic_at": (70, 150),
        "alert_heart_rate_above": (60, 200),
        "alert_heart_rate_below": (30, 100),
        "alert_spo2_below": (80, 99),
        "predose_spo2_refuse_below": (85, 99),
        "predose_heart_rate_refuse_above": (70, 180),
        "predose_heart_rate_refuse_below": (30, 70),
        "weight_confirm_percent": (2, 50),
        "dose_plan_margin_percent": (5, 100),
        **{f"{prefix}_observe_minutes": (15, 480) for prefix in ROUTE_SETTING_PREFIX.values()},
        # The window must hold the label's "about 40 minutes".
        "esketamine_bp_check_from_minutes": (15, 40),
        "esketamine_bp_check_until_minutes": (40, 90),
        "discharge_systolic_below": (120, 220),
        "discharge_diastolic_below": (70, 130),
        "discharge_spo2_at_least": (85, 99),
        "discharge_baseline_tolerance_percent": (5, 50),
        "screening_valid_months": (1, 24),
        "integration_within_days": (1, 60),
        "measure_maintenance_days": (7, 365),
    }
    # mg/kg: from a hundredth (a typo below) to 20 (beyond any sub-anaesthetic use).
    DOSE_BOUNDS = (Decimal("0.010"), Decimal("20.000"))

    def clean(self):
        """Every problem at once, per field: bounds, then whether the thresholds agree."""
        from django.core.exceptions import ValidationError

        errors: dict[str, str] = {}
        numbers = {}
        for name, (low, high) in self.BOUNDS.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                continue  # clean_fields reports it
            if not low <= value <= high:
                errors[name] = f"Enter a number from {low} to {high}."
            else:
                numbers[name] = value
        minutes = self.esketamine_observe_minutes
        if isinstance(minutes, int) and not isinstance(minutes, bool):
            if minutes < 120:
                errors["esketamine_observe_minutes"] = (
                    "At least 120: the SPRAVATO REMS requires monitoring for at least two "
                    "hours after each esketamine dose."
                )
            elif minutes > 480:
                errors["esketamine_observe_minutes"] = "Enter a number from 120 to 480."
        low, high = self.DOSE_BOUNDS
        for prefix in ROUTE_SETTING_PREFIX.values():
            for end in ("min", "max"):
                name = f"{prefix}_dose_{end}_mg_per_kg"
                value = getattr(self, name)
                if not isinstance(value, Decimal | int) or isinstance(value, bool):
                    continue  # clean_fields reports it
                if not low <= Decimal(value) <= high:
                    errors[name] = f"Enter a dose from {low} to {high} mg/kg."
                else:
                    numbers[name] = Decimal(value)

        def check(name: str, other: str, ok, message: str) -> None:
            known = name in numbers and other in numbers and name not in errors
            if known and not ok(numbers[name], numbers[other]):
                errors[name] = message.format(numbers[other])

        check(
            "predose_diastolic_refuse_at",
            "predose_systolic_refuse_at",
            lambda dia, sys: dia < sys,
            "Must be below the systolic limit ({}).",
        )
        check(
            "alert_diastolic_at",
            "alert_systolic_at",
            lambda dia, sys: dia < sys,
            "Must be below the systolic alert ({}).",
        )
        # A patient must never be dosed at a pressure that would raise an alert a minute later.
        check(
            "predose_systolic_refuse_at",
            "alert_systolic_at",
            lambda refuse, alert: refuse <= alert,
            "Refuse dosing at or below the in-session alert level (systolic ≥ {}).",
        )
        check(
            "predose_diastolic_refuse_at",
            "alert_diastolic_at",
            lambda refuse, alert: refuse <= alert,
            "Refuse dosing at or below the in-session alert level (diastolic ≥ {}).",
        )
        check(
            "alert_heart_rate_below",
            "alert_heart_rate_above",
            lambda low, high: low < high,
            "Must be below the upper heart-rate alert ({}).",
        )
        # The pre-dose gate is at least as strict as the in-session alerts.
        check(
            "predose_heart_rate_refuse_below",
            "predose_heart_rate_refuse_above",
            lambda low, high: low < high,
            "Must be below the upper pre-dose heart-rate limit ({}).",
        )
        check(
            "predose_heart_rate_refuse_above",
            "alert_heart_rate_above",
            lambda refuse, alert: refuse <= alert,
            "Refuse dosing at or below the in-session alert level (heart rate > {}).",
        )
        check(
            "predose_heart_rate_refuse_below",
            "alert_heart_rate_below",
            lambda refuse, alert: refuse >= alert,
            "Refuse dosing at or above the in-session alert level (heart rate < {}).",
        )
        check(
            "predose_spo2_refuse_below",
            "alert_spo2_below",
            lambda refuse, alert: refuse >= alert,
            "Refuse dosing at or above the in-session alert level (SpO2 < {}%).",
        )
        check(
            "esketamine_bp_check_from_minutes",
            "esketamine_bp_check_until_minutes",
            lambda start, end: start < end,
            "Must be before the end of the window ({} minutes).",
        )
        for prefix in ROUTE_SETTING_PREFIX.values():
            check(
                f"{prefix}_dose_min_mg_per_kg",
                f"{prefix}_dose_max_mg_per_kg",
                lambda low, high: low < high,
                "Must be below the highest dose of the route ({} mg/kg).",
            )
        # A patient is never sent home at a reading that would raise an alert in the room.
        check(
            "discharge_diastolic_below",
            "discharge_systolic_below",
            lambda dia, sys: dia < sys,
            "Must be below the systolic discharge limit ({}).",
        )
        check(
            "discharge_systolic_below",
            "alert_systolic_at",
            lambda discharge, alert: discharge <= alert,
            "Discharge only below the in-session alert level (systolic ≥ {}).",
        )
        check(
            "discharge_diastolic_below",
            "alert_diastolic_at",
            lambda discharge, alert: discharge <= alert,
            "Discharge only below the in-session alert level (diastolic ≥ {}).",
        )
        check(
            "discharge_spo2_at_least",
            "alert_spo2_below",
            lambda discharge, alert: discharge >= alert,
            "Discharge only above the in-session alert level (SpO2 < {}%).",
        )

        known = set(Instrument.values)
        instruments = self.measure_instruments
        if (
            not isinstance(instruments, list)
            or not set(instruments) <= known
            or len(set(instruments)) != len(instruments)
        ):
            errors["measure_instruments"] = f"Choose among {', '.join(sorted(known))}, each once."
        hours = self.measure_after_dose_hours
        if (
            not isinstance(hours, list)
            or not all(
                isinstance(h, int) and not isinstance(h, bool) and 0 < h <= 24 * 90 for h in hours
            )
            or len(set(hours)) != len(hours)
        ):
            errors["measure_after_dose_hours"] = (
                "Whole hours after a dose, each once, from 1 to 2160 (90 days), e.g. 24, 168."
            )
        if errors:
            raise ValidationError(errors)


class Contraindication(models.Model):
    """One item of a clinic's screening checklist, absolute (rules out) or relative."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="contraindications")
    name = models.CharField(max_length=120)
    severity = models.CharField(max_length=8, choices=ContraindicationSeverity.choices)
    guidance = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering = ["clinic", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "name"], name="contraindication_name_once_per_clinic"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.get_severity_display()})"


class Screening(models.Model):
    """A patient's medical and psychological screening before (and between) KAP courses.

    Result: any absolute contraindication → not cleared; a relative one → needs review
    until a medical staff member signs it off with a reason; none → cleared. A cleared
    screening is valid from `screened_on` to `expires_on` inclusive.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="screenings")
    screened_on = models.DateField()
    screened_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    medications = models.TextField("current medications", blank=True)
    baseline_systolic = models.PositiveSmallIntegerField(
        "baseline systolic (mmHg)", validators=[MinValueValidator(50), MaxValueValidator(300)]
    )
    baseline_diastolic = models.PositiveSmallIntegerField(
        "baseline diastolic (mmHg)", validators=[MinValueValidator(20), MaxValueValidator(200)]
    )
    baseline_heart_rate = models.PositiveSmallIntegerField(
        "baseline heart rate (bpm)", validators=[MinValueValidator(20), MaxValueValidator(250)]
    )
    weight_kg = models.DecimalField(
        "weight (kg)",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(20), MaxValueValidator(400)],
    )
    notes = models.TextField(blank=True)
    result = models.CharField(max_length=16, choices=ScreeningResult.choices)
    expires_on = models.DateField()
    signed_off_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    sign_off_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-screened_on", "-id"]
        indexes = [models.Index(fields=["patient", "result", "expires_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("screened_on")), name="screening_expires_after"
            ),
            models.CheckConstraint(
                condition=Q(baseline_systolic__gt=F("baseline_diastolic")),
                name="screening_systolic_above_diastolic",
            ),
            models.CheckConstraint(
                condition=Q(signed_off_by__isnull=True)
                | (Q(signed_off_at__isnull=False) & ~Q(sign_off_reason="")),
                name="screening_sign_off_has_reason",
            ),
        ]

    def __str__(self):
        return f"Screening of {self.patient} on {self.screened_on} – {self.get_result_display()}"

    def is_valid_on(self, day) -> bool:
        return self.result == ScreeningResult.CLEARED and self.screened_on <= day <= self.expires_on


class ScreeningFinding(models.Model):
    """A contraindication found at a screening, copied so later checklist edits don't alter it."""

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="findings")
    contraindication = models.ForeignKey(
        Contraindication, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=120)
    severity = models.CharField(max_length=8, choices=ContraindicationSeverity.choices)
    note = models.CharField(max_length=300, blank=True)

    objects = PatientScopedQuerySet.scoped(
        patient_path="screening__patient", clinic_path="screening__clinic"
    )

    class Meta:
        ordering = ["screening", "id"]
        constraints = [
            models.UniqueConstraint(fields=["screening", "name"], name="screening_finding_once")
        ]

    def __str__(self):
        return f"{self.name} ({self.severity})"


class VitalSigns(models.Model):
    """One reading during a dosing session (typically every 10–15 minutes)."""

    dosing_record = models.ForeignKey(DosingRecord, on_delete=models.PROTECT, related_name="vitals")
    taken_at = models.DateTimeField()
    systolic = models.PositiveSmallIntegerField(
        "systolic (mmHg)", validators=[MinValueValidator(50), MaxValueValidator(300)]
    )
    diastolic = models.PositiveSmallIntegerField(
        "diastolic (mmHg)", validators=[MinValueValidator(20), MaxValueValidator(200)]
    )
    heart_rate = models.PositiveSmallIntegerField(
        "heart rate (bpm)", validators=[MinValueValidator(20), MaxValueValidator(250)]
    )
    spo2 = models.PositiveSmallIntegerField(
        "SpO2 (%)", validators=[MinValueValidator(50), MaxValueValidator(100)]
    )
    out_of_range = models.BooleanField(default=False, editable=False)
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(
        patient_path="dosing_record__session__patient",
        clinic_path="dosing_record__session__clinic",
    )

    class Meta:
        ordering = ["dosing_record", "taken_at", "id"]
        verbose_name_plural = "vital signs"
        constraints = [
            models.CheckConstraint(
                condition=Q(systolic__gt=F("diastolic")), name="vitals_systolic_above_diastolic"
            ),
        ]

    def __str__(self):
        return f"{self.systolic}/{self.diastolic} HR {self.heart_rate} SpO2 {self.spo2}%"


class AdverseEvent(models.Model):
    """Something unwanted that happened during or after a dose."""

    dosing_record = models.ForeignKey(
        DosingRecord, on_delete=models.PROTECT, related_name="adverse_events"
    )
    kind = models.CharField(max_length=16, choices=AdverseEventKind.choices)
    description = models.CharField(
        max_length=300, blank=True, help_text="Required for 'Other'; otherwise optional detail."
    )
    severity = models.CharField(
        max_length=8, choices=AdverseEventSeverity.choices, default=AdverseEventSeverity.MILD
    )
    action_taken = models.CharField(max_length=300, blank=True)
    occurred_at = models.DateTimeField()
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(
        patient_path="dosing_record__session__patient",
        clinic_path="dosing_record__session__clinic",
    )

    class Meta:
        ordering = ["dosing_record", "occurred_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=AdverseEventKind.OTHER) | ~Q(description=""),
                name="adverse_event_other_is_described",
            ),
        ]

    def __str__(self):
        return self.description or self.get_kind_display()


class MeasureResponse(models.Model):
    """A completed questionnaire (GAD-7, PHQ-9, PCL-5): item answers, total score, severity.

    Score and severity are computed by `practice.instruments` when the response is recorded
    and never edited; a correction is a new response.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="measures")
    instrument = models.CharField(max_length=8, choices=Instrument.choices)
    answers = models.JSONField(
        help_text="Item answers in order, each 0–3 (GAD-7, PHQ-9) or 0–4 (PCL-5)."
    )
    score = models.PositiveSmallIntegerField()
    severity = models.CharField(max_length=24)
    answered_at = models.DateTimeField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_on_behalf = models.BooleanField(
        default=False, help_text="Staff entered the patient's answers (e.g. read out by phone)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-answered_at", "-id"]
        indexes = [models.Index(fields=["patient", "instrument", "answered_at"])]
        constraints = [
            # GAD-7 and PHQ-9 top out at 21 and 27, PCL-5 at 80.
            models.CheckConstraint(
                condition=Q(score__lte=27) | Q(instrument=Instrument.PCL5, score__lte=80),
                name="measure_score_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.get_instrument_display()} {self.score} ({self.severity}) – {self.patient}"


class SafetyAlert(models.Model):
    """Something the care team must see now: out-of-range vitals, PHQ-9 item 9 above 0.

    Shown on the care team's dashboards until a clinician acknowledges it: with a note, or,
    for a suicidality alert, only by recording a risk assessment (`RiskAssessment`). While
    an urgent alert is open the patient is not dosed.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="safety_alerts")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    severity = models.CharField(max_length=8, choices=AlertSeverity.choices)
    message = models.CharField(max_length=300)
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="safety_alerts"
    )
    vital_signs = models.ForeignKey(
        VitalSigns, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    measure = models.ForeignKey(
        MeasureResponse, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledgement_note = models.TextField(blank=True)
    notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the care team was emailed."
    )

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["clinic", "acknowledged_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True)
                | (Q(acknowledged_by__isnull=False) & ~Q(acknowledgement_note="")),
                name="alert_acknowledged_with_note",
            ),
        ]

    def __str__(self):
        return f"{self.get_severity_display()}: {self.message}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class RiskAssessment(models.Model):
    """A clinician's suicide-risk assessment: the C-SSRS screener's answers, the level it
    gives (`practice.cssrs`), and the clinician's formulation and plan.

    Recording one acknowledges the patient's open suicidality alerts. Never shown to the
    patient. Never edited: a new assessment is a new row.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="risk_assessments")
    alert = models.ForeignKey(
        SafetyAlert,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_assessments",
        help_text="The alert that asked for it, if any.",
    )
    answers = models.JSONField(help_text="C-SSRS screener answers by question (None: skipped).")
    risk_level = models.CharField(max_length=8, choices=RiskLevel.choices)
    formulation = models.TextField(
        "formulation and plan", help_text="Your assessment of the risk and what happens next."
    )
    assessed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped(patients_may_see=False)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        indexes = [models.Index(fields=["patient", "assessed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(risk_level__in=RiskLevel.values), name="risk_assessment_level_known"
            ),
            models.CheckConstraint(
                condition=~Q(formulation=""), name="risk_assessment_has_formulation"
            ),
        ]

    def __str__(self):
        return f"C-SSRS {self.get_risk_level_display().lower()} – {self.patient}"


class SafetyPlan(models.Model):
    """A patient's Stanley–Brown safety plan, one row per version.

    The six steps (Stanley B, Brown GK. Safety Planning Intervention. Cogn Behav Pract
    2012;19:256–264) and the reasons for living, each a short list, one item per line.
    Written with the patient by a clinician; each save is a new version and the previous
    one is superseded (`superseded_at`), so exactly one version is current. The patient
    sees the current version in the portal; step 5 always adds the 988 Suicide & Crisis
    Lifeline.
    """

    # (field, title, what goes in it), in the order the patient works through them.
    STEPS = (
        (
            "warning_signs",
            "Warning signs",
            "Thoughts, images, moods, situations or behaviour that tell me a crisis may be coming.",
        ),
        (
            "coping_strategies",
            "Internal coping strategies",
            "Things I can do on my own to take my mind off my problems, without contacting anyone.",
        ),
        (
            "social_distractions",
            "People and social settings that provide distraction",
            "Names and phone numbers, and places I can go.",
        ),
        ("people_to_ask", "People I can ask for help", "Names and phone numbers."),
        (
            "professionals",
            "Professionals or agencies I can contact during a crisis",
            "Clinicians and urgent care, with phone numbers.",
        ),
        (
            "environment_safety",
            "Making the environment safe",
            "Keeping lethal means (such as medicines or firearms) away or locked up, and who "
            "helps with it.",
        ),
    )
    CRISIS_LINE = "988 Suicide & Crisis Lifeline: call or text 988 (chat at 988lifeline.org)"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="safety_plans")
    version = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    warning_signs = models.TextField()
    coping_strategies = models.TextField("internal coping strategies")
    social_distractions = models.TextField("people and social settings that provide distraction")
    people_to_ask = models.TextField("people to ask for help")
    professionals = models.TextField("professionals and agencies to contact in a crisis")
    environment_safety = models.TextField("making the environment safe")
    reasons_for_living = models.TextField(
        blank=True, help_text="The one thing (or few) most important to me and worth living for."
    )
    written_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["patient", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "version"], name="safety_plan_version_once"),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(superseded_at__isnull=True),
                name="safety_plan_one_current",
            ),
        ]

    def __str__(self):
        return f"Safety plan v{self.version} – {self.patient}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def steps(self) -> list[tuple[int, str, str, list[str]]]:
        """(number, title, hint, lines) of the six steps."""
        return [
            (number, title, hint, _lines(getattr(self, name)))
            for number, (name, title, hint) in enumerate(self.STEPS, start=1)
        ]

    @property
    def reasons(self) -> list[str]:
        return _lines(self.reasons_for_living)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
