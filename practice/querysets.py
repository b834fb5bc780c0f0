"""The one scoping mechanism: `visible_to(user)` on every clinic-owned queryset.

- a clinic admin sees everything of their clinic;
- a therapist or medical staff member sees the patients on their care team (and what
  belongs to those patients);
- a patient sees only themself and what belongs to them;
- anyone else (anonymous, a user with no role) sees nothing.

A model's queryset says how to reach its clinic and its patient (`clinic_path`,
`patient_path`); the base API viewset and view mixin in `backend` apply `visible_to`, so no
endpoint can forget. Other apps reuse these classes for their own models.
"""

from django.db import models
from django.db.models import Exists, OuterRef

from backend.roles import actor_for


class _Scoped:
    @classmethod
    def scoped(cls, **paths):
        """A manager whose `visible_to` reaches clinic and patient through `paths`:
        `objects = PatientScopedQuerySet.scoped(patient_path="session__patient",
        clinic_path="session__clinic")`."""
        name = (
            "".join(part.title() for part in paths.get("patient_path", "").split("__"))
            + cls.__name__
        )
        return type(name, (cls,), paths).as_manager()


class ClinicScopedQuerySet(_Scoped, models.QuerySet):
    """Rows that belong to a clinic as a whole (rooms, service codes, retreats)."""

    clinic_path = "clinic"
    # Whether a patient of the clinic may see these rows (e.g. retreats they can join).
    patients_may_see = False

    def for_clinic(self, clinic_id):
        return self.filter(**{self.clinic_path: clinic_id})

    def visible_to(self, user):
        actor = actor_for(user)
        if actor is None or (actor.is_patient and not self.patients_may_see):
            return self.none()
        return self.for_clinic(actor.clinic_id)


class PatientScopedQuerySet(_Scoped, models.QuerySet):
    """Rows that belong to one patient (the patient itself, plans, sessions, notes...)."""

    clinic_path = "clinic"
    patient_path = "patient"
    # Whether the patient may see their own rows (not, e.g., their risk assessments).
    patients_may_see = True

    def visible_to(self, user):
        actor = actor_for(user)
        if actor is None:
            return self.none()
        if actor.is_patient:
            if not self.patients_may_see:
                return self.none()
            return self.filter(**{self.patient_path: actor.patient_id})
        scoped = self.filter(**{self.clinic_path: actor.clinic_id})
        if actor.is_admin:
            return scoped
        # Cycle: practice.models imports this module for its managers.
        from practice.models import CareTeam

        on_care_team = CareTeam.objects.filter(
            patient_id=OuterRef(self.patient_path), staff_id=actor.staff_id
        )
        return scoped.filter(Exists(on_care_team))


class PatientQuerySet(PatientScopedQuerySet):
    patient_path = "pk"

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        query = models.Q()
        for word in text.split():
            query &= (
                models.Q(legal_first_name__icontains=word)
                | models.Q(legal_last_name__icontains=word)
                | models.Q(preferred_name__icontains=word)
            )
        return self.filter(query)
