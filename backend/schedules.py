"""Every periodic task, declared in one place.

`python manage.py sync_schedules` writes this table into django-celery-beat's database
tables (idempotent), so exactly one beat process runs them. Each app adds its entries here.
"""

BEAT_SCHEDULE: dict[str, dict] = {
    # "name": {"task": "app.tasks.fn", "every_seconds": 60},
}
