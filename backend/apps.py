from django.apps import AppConfig


class BackendConfig(AppConfig):
    name = "backend"
    verbose_name = "KAP Practice"

    def ready(self):
        from backend import checks  # noqa: F401  (registers the system checks)
