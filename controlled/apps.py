from django.apps import AppConfig


class ControlledConfig(AppConfig):
    name = "controlled"
    label = "controlled"
    verbose_name = "Controlled substances"

    def ready(self):
        # Not a cycle: auditlog's registry and the models load only once the app registry
        # is ready, so they are imported here rather than at the top.
        from auditlog.registry import auditlog

        from controlled import models

        # The ledger is a legal record: every create and change is in the audit log, and
        # reads of single objects are logged by the base viewset and views.
        for model in (
            models.Registration,
            models.Product,
            models.Lot,
            models.LedgerEntry,
            models.PhysicalCount,
            models.Inventory,
            models.LossNotice,
        ):
            auditlog.register(model)
