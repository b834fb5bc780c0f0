"""Reads of patients and their record, scoped to who is asking."""

from django.db.models import Prefetch, QuerySet

from practice.models import CareTeam, Patient, StaffMember


def patient_list(*, user, search: str = "") -> QuerySet[Patient]:
    """Patients `user` may see, with diagnoses and care team loaded in two more queries."""
    care_team = CareTeam.objects.select_related("staff__user")
    return (
        Patient.objects.visible_to(user)
        .search(search)
        .prefetch_related("diagnoses", Prefetch("care_team", queryset=care_team))
    )


def patient_get(*, user, pk) -> Patient:
    """One patient `user` may see, or Patient.DoesNotExist (answered as 404)."""
    return patient_list(user=user).get(pk=pk)


def staff_list(*, clinic_id, roles=None) -> QuerySet[StaffMember]:
    qs = StaffMember.objects.for_clinic(clinic_id).filter(is_active=True).select_related("user")
    if roles:
        qs = qs.filter(role__in=roles)
    return qs
