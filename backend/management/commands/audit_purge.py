from django.core.management.base import BaseCommand

from backend.audit import audit_purge


class Command(BaseCommand):
    help = "Delete audit rows older than AUDIT_RETENTION_DAYS (and only those)."

    def handle(self, *args, **options):
        purged = audit_purge()
        self.stdout.write(
            f"Purged {purged['events']} audit events and {purged['log_entries']} change entries."
        )
