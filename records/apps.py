from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """The patient's right of access (45 CFR 164.524): the designated record set, whole,
    as a FHIR R4 Bundle and as a readable PDF. The top layer: it reads every other app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "records"
    verbose_name = "Right of access"
