from django.apps import AppConfig


class IntegrationNotesConfig(AppConfig):
    name = "integration_notes"
    verbose_name = "Integration notes"
