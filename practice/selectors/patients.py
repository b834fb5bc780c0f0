"""Reads of patients and their record, scoped to who is asking."""

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)

from practice.models import CareTeam, Clinic, Diagnosis, Patient, StaffMember


def patient_list(*, user, search: str = "", active: bool | None = None) -> QuerySet[Patient]:
    """Patients `user` may see, with diagnoses and care team loaded in two more queries.

    `active=True` keeps the active ones (what lists show); a deactivated patient's record
    stays readable by id (None, the default)."""
    care_team = CareTeam.objects.select_related("staff__user")
    patients = Patient.objects.visible_to(user)
    if active is not None:
        patients = patients.filter(is_active=active)
    return patients.search(search).prefetch_related(
        "diagnoses", Prefetch("care_team", queryset=care_team)
    )


def patient_names(*, user) -> QuerySet[Patient]:
    """Patients `user` may see as Today lists them: their names and their diagnoses'
    codes (one more query), no care team."""
    return (
        Patient.objects.visible_to(user)
        .only("legal_first_name", "legal_last_name", "preferred_name")
        .prefetch_related(
            # Ranked within each patient, without the model's ordering by patient, which
            # joins the patients again for their names.
            Prefetch(
                "diagnoses", queryset=Diagnosis.objects.only("patient", "code").order_by("rank")
            )
        )
    )


def portal_patient(*, user) -> Patient:
    """The signed-in patient (read with their clinic when their role was resolved,
    `backend.roles.actor_for`) with their care team loaded (1 query)."""
    patient = user.patient
    prefetch_related_objects(
        [patient], Prefetch("care_team", queryset=CareTeam.objects.select_related("staff__user"))
    )
    return patient


def patient_get(*, user, pk) -> Patient:
    """One patient `user` may see, or Patient.DoesNotExist (answered as 404)."""
    return patient_list(user=user).get(pk=pk)


def staff_list(*, clinic_id, roles=None) -> QuerySet[StaffMember]:
    qs = StaffMember.objects.for_clinic(clinic_id).filter(is_active=True).select_related("user")
    if roles:
        qs = qs.filter(role__in=roles)
    return qs


def care_team_candidates(*, patient: Patient) -> QuerySet[StaffMember]:
    """Active staff of the patient's clinic who are not on their care team yet."""
    return staff_list(clinic_id=patient.clinic_id).exclude(care_teams__patient=patient)


def clinic_overview(*, clinic_id) -> dict:
    """What a clinic admin checks first: the clinic, its staff with caseloads, and patients
    who have nobody on their care team (no clinician can see them)."""
    patients = Patient.objects.filter(clinic_id=clinic_id)
    staff = (
        StaffMember.objects.for_clinic(clinic_id)
        .select_related("user")
        .annotate(caseload=Count("care_teams", distinct=True))
        .order_by("-is_active", "role", "user__last_name")
    )
    unassigned = patients.filter(~Exists(CareTeam.objects.filter(patient=OuterRef("pk"))))
    counts = patients.aggregate(
        total=Count("pk"), with_portal=Count("pk", filter=Q(user__isnull=False))
    )
    return {
        "clinic": Clinic.objects.get(pk=clinic_id),
        "staff": staff,
        "patient_count": counts["total"],
        "portal_count": counts["with_portal"],
        "unassigned_patients": unassigned.order_by("legal_last_name", "legal_first_name"),
    }
