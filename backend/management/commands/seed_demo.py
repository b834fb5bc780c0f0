from django.core.management.base import BaseCommand

from backend.demo import seed_demo


class Command(BaseCommand):
    help = "Load the demo clinic (safe to run twice)."

    def handle(self, *args, **options):
        ctx = seed_demo()
        self.stdout.write(
            f"Demo clinic ready: {ctx['clinic'].name}, {len(ctx['patients'])} patients."
        )
