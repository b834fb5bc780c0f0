from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        from auditlog.registry import auditlog

        from scheduling import models

        # What patients choose and answer is audited. Outbox rows are written by the system
        # (and would copy every message body into the log); their own columns record who/when.
        for model in (
            models.PatientMessaging,
            models.MessagePreference,
            models.SessionConfirmation,
        ):
            auditlog.register(model)
