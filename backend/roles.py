"""Who is asking: the role of a signed-in user, resolved once per request.

A user is either a staff member of one clinic (admin, therapist, medical) or a patient
with a portal login. Superusers without a staff record are back-office operators: they use
the Django admin and see no patient data through the API or the pages.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

ADMIN = "admin"
THERAPIST = "therapist"
MEDICAL = "medical"
PATIENT = "patient"
STAFF_ROLES = frozenset({ADMIN, THERAPIST, MEDICAL})
CLINICIAN_ROLES = frozenset({THERAPIST, MEDICAL})


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: str
    clinic_id: int
    staff_id: int | None = None
    patient_id: int | None = None
    # The clinic's IANA time zone: every time this person reads is shown in it.
    timezone: str = "UTC"

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_clinician(self) -> bool:
        return self.role in CLINICIAN_ROLES

    @property
    def is_patient(self) -> bool:
        return self.role == PATIENT

    def today(self) -> datetime.date:
        """Today in the clinic's zone, from the zone this actor was read with (no query;
        `Clinic.today_of` reads the clinic again)."""
        return timezone.localdate(timezone=zoneinfo.ZoneInfo(self.timezone))


def actor_for(user) -> Actor | None:
    """The Actor for `user`, cached on the user object; None for anonymous or unlinked users."""
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(user, "_kap_actor", False)
    if cached is not False:
        return cached
    # Cycle: practice.models -> practice.querysets imports this module.
    from practice.models import Patient, StaffMember

    actor = None
    # One query each, the clinic joined; assigning fills the accessor's cache, so a later
    # `user.staff_member` or `user.patient` costs nothing.
    staff = StaffMember.objects.select_related("clinic").filter(user=user).first()
    if staff is not None:
        user.staff_member = staff
    if staff is not None and staff.is_active:
        actor = Actor(
            user_id=user.pk,
            role=staff.role,
            clinic_id=staff.clinic_id,
            staff_id=staff.pk,
            timezone=staff.clinic.timezone,
        )
    else:
        patient = Patient.objects.select_related("clinic").filter(user=user).first()
        if patient is not None:
            user.patient = patient
            actor = Actor(
                user_id=user.pk,
                role=PATIENT,
                clinic_id=patient.clinic_id,
                patient_id=patient.pk,
                timezone=patient.clinic.timezone,
            )
    user._kap_actor = actor
    return actor


def staff_for(user):
    """The active StaffMember behind `user` (clinic joined, cached by `actor_for`), or None
    for a patient, an anonymous or unlinked user, or a deactivated staff member."""
    actor = actor_for(user)
    if actor is None or not actor.is_staff_member:
        return None
    return user.staff_member
