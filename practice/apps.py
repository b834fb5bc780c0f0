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
            auditlog.register(model)
