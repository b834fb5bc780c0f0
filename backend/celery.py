"""The Celery application.

Settings come from Django's settings under the CELERY_ namespace. Periodic schedules are
declared in one place, `backend.schedules.BEAT_SCHEDULE`, and synced into
django-celery-beat's tables by the `sync_schedules` management command.
"""

import gc
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_ready.connect
def _freeze_startup_objects(**kwargs):
    # Everything loaded at start (Django, the apps, their libraries) lives as long as the
    # worker. Freezing it keeps the collector from scanning it again, in particular at exit:
    # honcho kills a worker that takes more than 5 s to stop after Ctrl-C.
    gc.freeze()
