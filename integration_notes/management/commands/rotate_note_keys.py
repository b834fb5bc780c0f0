"""Re-encrypt every psychotherapy note under the newest key.

Key rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it),
deploy, run this command, then remove the old keys.
"""

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError

from integration_notes.services import psychotherapy_notes_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt every psychotherapy note with the first key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, batch_size, **options):
        try:
            count = psychotherapy_notes_reencrypt(batch_size=batch_size)
        except InvalidToken as exc:
            raise CommandError(
                "A psychotherapy note is encrypted under a key that is not in "
                "FIELD_ENCRYPTION_KEYS; add the old key after the new one and run again."
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} psychotherapy notes."))
