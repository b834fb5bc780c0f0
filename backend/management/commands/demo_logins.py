from django.core.management.base import BaseCommand

from backend.demo import LOGINS
from practice.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the demo logins, one per role."

    def handle(self, *args, **options):
        self.stdout.write(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, username in LOGINS:
            self.stdout.write(f"    {role:<14} {username}")
