from django.core.management.base import BaseCommand

from accounts.demo import demo_totp_secret
from backend.demo import LOGINS
from practice.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the demo logins, one per role."

    def handle(self, *args, **options):
        self.stdout.write(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, username in LOGINS:
            self.stdout.write(f"    {role:<14} {username}")
        self.stdout.write(
            "  Staff and back office also enter a code (two-factor authentication). DEMO ONLY: "
            "they share one authenticator secret; add it to an authenticator app (or run "
            f"`python -c \"import pyotp; print(pyotp.TOTP('{demo_totp_secret()}').now())\"`):"
        )
        self.stdout.write(f"    {demo_totp_secret()}")
