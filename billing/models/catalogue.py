"""What a clinic charges: service codes with their fees, a patient's sliding scale, and
prepaid packages. Also the money field every billing model uses."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from billing.choices import PackageKind
from billing.validators import validate_service_code
from practice.choices import SessionKind
from practice.querysets import ClinicScopedQuerySet, PatientScopedQuerySet

MONEY = {"max_digits": 10, "decimal_places": 2}


class ServiceCode(models.Model):
    """A CPT or HCPCS code a clinic bills, with its description and standard fee."""

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=5, validators=[validate_service_code])
    description = models.CharField(max_length=200)
    fee = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    requires_em = models.BooleanField(
        "add-on to an E/M visit",
        default=False,
        help_text="Psychotherapy add-ons (90833/90836/90838) bill only with an E/M code "
        "99212–99215 on the same day by the same provider.",
    )
    is_active = models.BooleanField(default=True)

    objects = ClinicScopedQuerySet.scoped()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="service_code_once_per_clinic"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="service_code_fee_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} {self.description}"


class SlidingScale(models.Model):
    """A patient's sliding-scale discount, applied to the standard fee of new charges."""

    patient = models.OneToOneField(
        "practice.Patient", on_delete=models.CASCADE, related_name="sliding_scale"
    )
    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Discount off the standard fee, 0–100 %.",
    )
    reason = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="sliding_scale_0_to_100"
            )
        ]

    def __str__(self):
        return f"{self.percent}% – {self.patient}"


class Package(models.Model):
    """One price for several sessions: a prepaid course (e.g. induction of 6 dosing sessions)
    or a retreat. Each covered session's charges carry a share of the price, so the
    superbill itemises the package session by session.

    A retreat package belongs to one `scheduling.Retreat` and covers exactly the sessions
    its timetable gave the patient; a prepaid package covers the patient's other sessions
    (of `session_kind`, between its dates), never a retreat's.
    """

    clinic = models.ForeignKey("practice.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "practice.Patient", on_delete=models.PROTECT, related_name="billing_packages"
    )
    kind = models.CharField(max_length=16, choices=PackageKind.choices)
    name = models.CharField(max_length=120)
    price = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    sessions_included = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    session_kind = models.CharField(
        max_length=16,
        choices=SessionKind.choices,
        blank=True,
        help_text="Only sessions of this kind use the package (blank: any kind).",
    )
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    retreat = models.ForeignKey(
        "scheduling.Retreat",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The retreat a retreat package pays for.",
    )
    created_by = models.ForeignKey(
        "practice.StaffMember", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PatientScopedQuerySet.scoped()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="package_price_not_negative"),
            models.CheckConstraint(
                condition=Q(kind=PackageKind.RETREAT, retreat__isnull=False)
                | (~Q(kind=PackageKind.RETREAT) & Q(retreat__isnull=True)),
                name="package_retreat_iff_retreat_kind",
            ),
            models.UniqueConstraint(
                fields=["patient", "retreat"],
                condition=Q(retreat__isnull=False),
                name="package_once_per_retreat",
            ),
            models.CheckConstraint(
                condition=Q(sessions_included__gte=1), name="package_has_sessions"
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="package_dates_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.sessions_included} sessions, ${self.price})"
