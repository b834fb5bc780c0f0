"""Clinics, their rooms and the staff who work there."""

import datetime
import zoneinfo

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from practice.choices import (
    StaffRole,
)
from practice.querysets import ClinicScopedQuerySet
from practice.validators import (
    validate_ein,
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
    telehealth_place_of_service = models.CharField(
        "place-of-service code for video sessions",
        max_length=2,
        choices=[
            ("10", "10 – telehealth in the patient's home"),
            ("02", "02 – telehealth other than in the patient's home"),
        ],
        default="10",
        help_text="Video sessions' charges use this code and modifier 95.",
    )
    submitter_id = models.CharField(
        "claims submitter ID",
        max_length=15,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9]+$", "Letters and digits only, as the clearinghouse gave it."
            )
        ],
        help_text="The ID the clinic's clearinghouse gave it: sent as the 837P's sender "
        "(ISA06, GS02, submitter NM1*41). Claim batches are refused without it.",
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

    def local(self, moment: datetime.datetime) -> datetime.datetime:
        """`moment` as the clinic's wall clock shows it."""
        return moment.astimezone(self.zone)

    def date_of(self, moment: datetime.datetime) -> datetime.date:
        """The clinic's calendar day at `moment` (an evening in Denver is tomorrow in UTC)."""
        return self.local(moment).date()

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
