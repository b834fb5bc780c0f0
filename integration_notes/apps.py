from django.apps import AppConfig


class IntegrationNotesConfig(AppConfig):
    name = "integration_notes"
    verbose_name = "Integration notes"

    def ready(self):
        # Not a cycle: auditlog's registry and the models load only once the app registry
        # is ready, so they are imported here rather than at the top.
        from auditlog.registry import auditlog

        from integration_notes import models

        # Changes and reads of notes are in the audit log. The search copy of the text is
        # left out (it repeats the content); a psychotherapy note's body is never written
        # to the log, not even as ciphertext.
        auditlog.register(models.Note, exclude_fields=["search_text"])
        auditlog.register(models.Addendum)
        auditlog.register(models.IntegrationSummary)
        auditlog.register(models.PsychotherapyNote, exclude_fields=["body"])
