from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        from auditlog.registry import auditlog

        from scheduling import models

        # Who booked, moved or cancelled what, and who joined or left a retreat.
        for model in (
            models.SessionBooking,
            models.SessionSeries,
            models.Enrollment,
            models.RetreatSession,
            models.CalendarFeed,
        ):
            if not auditlog.contains(model):
                auditlog.register(
                    model, exclude_fields=["token"] if model is models.CalendarFeed else None
                )
        # What a patient answers through a reminder's confirm/cancel link is audited.
        if not auditlog.contains(models.SessionConfirmation):
            auditlog.register(models.SessionConfirmation)
