from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        # Not a cycle: auditlog's registry and the models load only once the app registry
        # is ready, so they are imported here rather than at the top.
        from auditlog.registry import auditlog

        from billing import models

        # Every create, update and delete of a patient's billing data is in the audit log.
        for model in (
            models.SlidingScale,
            models.Package,
            models.Charge,
            models.Payment,
            models.PaymentAllocation,
            models.PaymentPlan,
            models.Instalment,
            models.Superbill,
            models.SuperbillLine,
        ):
            auditlog.register(model)
