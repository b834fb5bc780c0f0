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
        # Secure messages and their threads (a flag raised or cleared) are audited; the body
        # is never written to the log, not even as ciphertext. Reads are audited by the
        # pages and the API (`audit_access`).
        if not auditlog.contains(models.Thread):
            auditlog.register(models.Thread)
        if not auditlog.contains(models.ThreadMessage):
            auditlog.register(models.ThreadMessage, exclude_fields=["body"])
