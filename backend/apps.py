from django.apps import AppConfig


class BackendConfig(AppConfig):
    name = "backend"
    verbose_name = "KAP Practice"

    def ready(self):
        # Not a cycle: Django's place to register system checks is ready().
        from backend import checks  # noqa: F401
