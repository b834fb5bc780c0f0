from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    label = "messaging"
    verbose_name = "Patient messaging"

    def ready(self):
        # Not a cycle: auditlog's registry and the models load only once the app registry
        # is ready, so they are imported here rather than at the top.
        from auditlog.registry import auditlog

        from messaging import models

        # What patients choose is audited. Outbox rows are written by the system (and would
        # copy every message body into the log).
        for model in (models.PatientMessaging, models.MessagePreference):
            if not auditlog.contains(model):
                auditlog.register(model)
