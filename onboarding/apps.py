from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    """New patients: the clinic's invitation to the portal and the online intake (details,
    safety contacts, insurance, medications and a patient-reported screening questionnaire
    that medical staff review)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "onboarding"
    verbose_name = "Onboarding"

    def ready(self):
        from auditlog.registry import auditlog

        from onboarding import models

        # The token's hash is a credential's digest: never in the change log.
        auditlog.register(models.Invitation, exclude_fields=["token_hash"])
        auditlog.register(models.IntakeSubmission)
        auditlog.register(models.IntakeScreeningAnswer)
