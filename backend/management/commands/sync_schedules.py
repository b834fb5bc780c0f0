from django.core.management.base import BaseCommand
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from backend.schedules import BEAT_SCHEDULE


class Command(BaseCommand):
    help = "Write backend.schedules.BEAT_SCHEDULE into django-celery-beat's tables."

    def handle(self, *args, **options):
        for name, entry in BEAT_SCHEDULE.items():
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=entry["every_seconds"], period=IntervalSchedule.SECONDS
            )
            PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": entry["task"], "interval": interval, "enabled": True}
            )
        stale = PeriodicTask.objects.exclude(name__in=BEAT_SCHEDULE).exclude(
            name="celery.backend_cleanup"
        )
        stale.update(enabled=False)
        self.stdout.write(f"{len(BEAT_SCHEDULE)} periodic task(s) in place.")
