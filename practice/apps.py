from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self):
        # Not a cycle: auditlog's registry and the models load only once the app registry
        # is ready, so they are imported here rather than at the top.
        from auditlog.registry import auditlog

        from practice import models

        # Every create, update and delete of patient data is in the audit log.
        for model in (
            models.Patient,
            models.Diagnosis,
            models.CareTeam,
            models.TreatmentPlan,
            models.PlanTargetChange,
            models.Session,
            models.DosingRecord,
            models.Screening,
            models.ScreeningFinding,
            models.VitalSigns,
            models.AdverseEvent,
            models.MeasureResponse,
            models.SafetyAlert,
            models.RiskAssessment,
            models.SafetyPlan,
            models.ClinicalSettings,
            models.Contraindication,
            models.PatientDocument,
        ):
            auditlog.register(model, exclude_fields=_reverse_one_to_ones(model))


def _reverse_one_to_ones(model) -> list[str]:
    """The rows that point at a `model` row one-to-one (a session's dose, note, booking…).
    They are never in its change log: a row being created has none yet, an update compares
    the row's own columns, and a deleted row has lost them (PROTECT refuses the delete,
    CASCADE deletes them first). Left in, auditlog reads each of them when a row is created
    (seven reads per booked session)."""
    return [
        f.name
        for f in model._meta.get_fields()
        if f.one_to_one and f.auto_created and not f.concrete
    ]
