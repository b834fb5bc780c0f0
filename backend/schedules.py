"""Every periodic task, declared in one place.

`python manage.py sync_schedules` writes this table into django-celery-beat's database
tables (idempotent), so exactly one beat process runs them. Each app adds its entries here.
"""

import os

BEAT_SCHEDULE: dict[str, dict] = {
    # "name": {"task": "app.tasks.fn", "every_seconds": 60},
    # The reminder outbox sweep: claims due rows and publishes their send tasks.
    "reminders-dispatch-due": {
        "task": "messaging.tasks.reminders_dispatch_due",
        "every_seconds": int(os.environ.get("REMINDER_SWEEP_SECONDS", "60")),
    },
    # Care-team emails for patient messages the broker missed (each is enqueued on commit).
    "thread-staff-emails-missed": {
        "task": "messaging.tasks.thread_staff_notify_missed",
        "every_seconds": 300,
    },
    # Weekly questionnaire invitations during induction (one per patient and ISO week).
    "questionnaire-invitations": {
        "task": "messaging.tasks.questionnaire_invitations",
        "every_seconds": 3600,
    },
    # Retreat welcomes a week ahead (one per enrollment; the retreat services also sync).
    "retreat-welcomes": {
        "task": "scheduling.tasks.retreat_welcomes",
        "every_seconds": 3600,
    },
    # Billing: suggest charges for newly completed sessions (practice cannot call billing).
    "billing-suggest-charges": {
        "task": "billing.tasks.suggest_pending_charges",
        "every_seconds": 600,
    },
    # Billing: remind patients of payment-plan instalments due within three days.
    "billing-instalment-reminders": {
        "task": "billing.tasks.queue_instalment_reminders",
        "every_seconds": 3600,
    },
    # Billing: charge due payment-plan instalments to saved cards (autopay), and retry
    # declines 1 and 3 days after the due date. Hourly, so each clinic's morning is covered.
    "billing-autopay-instalments": {
        "task": "billing.tasks.charge_autopay_instalments",
        "every_seconds": 3600,
    },
    # Care-team emails of safety alerts the broker or the mail server missed (each is
    # enqueued when the alert is raised).
    "safety-alert-emails-missed": {
        "task": "practice.tasks.safety_alerts_notify_missed",
        "every_seconds": 120,
    },
    "controlled-discrepancy-alerts": {
        "task": "controlled.tasks.discrepancy_alerts_sweep",
        "every_seconds": 600,
    },
    # Loss notices the broker missed (each is enqueued when the loss is recorded).
    "controlled-loss-notices": {
        "task": "controlled.tasks.loss_notices_sweep",
        "every_seconds": 300,
    },
    # Audit rows older than AUDIT_RETENTION_DAYS (six years), once a day.
    "audit-purge": {
        "task": "backend.tasks.audit_purge_expired",
        "every_seconds": 86400,
    },
}
