"""The demo clinic, built app by app. Each app's `demo.seed(ctx)` is idempotent."""

from django.db import transaction

from accounts import demo as accounts_demo
from billing import demo as billing_demo
from controlled import demo as controlled_demo
from integration_notes import demo as notes_demo
from messaging import demo as messaging_demo
from onboarding import demo as onboarding_demo
from practice import demo as practice_demo
from practice.demo import documents as documents_demo
from scheduling import demo as scheduling_demo

SEEDS = [
    practice_demo.seed,
    # Stock first: every demo dose is drawn from a lot received weeks before it.
    controlled_demo.seed_stock,
    # The clinical record: the only source of dosing records (and so of administrations),
    # and of the screenings and plans the calendar reuses.
    practice_demo.seed_clinical,
    # The waste and count that follow the doses in the ledger.
    controlled_demo.seed_ledger,
    # The calendar and retreat, then the reminders of the sessions booked so far.
    scheduling_demo.seed,
    notes_demo.seed,
    billing_demo.seed,
    # The checklist's plain questions for new patients' intake.
    onboarding_demo.seed,
    # Secure messages with the care team, and insurance-card photos on the record.
    messaging_demo.seed,
    documents_demo.seed,
    # Last: reminders for the upcoming sessions any seed above booked.
    scheduling_demo.sync_upcoming,
    # Demo only: staff sign in with one shared authenticator secret (demo_logins prints it).
    accounts_demo.seed,
]

LOGINS = [
    ("Clinic admin", "admin"),
    ("Therapist", "therapist"),
    ("Medical staff", "medical"),
    ("Patient", "patient"),
    ("Back office", "backoffice"),
]


@transaction.atomic
def seed_demo() -> dict:
    ctx: dict = {}
    for seed in SEEDS:
        seed(ctx)
    return ctx
