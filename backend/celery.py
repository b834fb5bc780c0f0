"""The Celery application.

Settings come from Django's settings under the CELERY_ namespace. Periodic schedules are
declared in one place, `backend.schedules.BEAT_SCHEDULE`, and synced into
django-celery-beat's tables by the `sync_schedules` management command.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
