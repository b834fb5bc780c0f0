"""Practice's part of the demo clinic, in two steps `backend.demo` runs in order:

- `seed`: the clinic, its staff, patients, diagnoses and care teams (`people`); first,
  every other app's demo builds on it;
- `seed_clinical`: the clinical record (`clinical`): screenings, plans, sessions, doses,
  measures and alerts, written through practice's services. It runs after controlled's
  stock (each dose is drawn from a lot received before it) and before the calendar, notes
  and billing demos, which build on its sessions.

Both take and fill the shared `ctx` dict and are idempotent.
"""

from practice.demo.clinical import seed as seed_clinical
from practice.demo.people import DEMO_CLINIC, DEMO_PASSWORD, seed

__all__ = ["DEMO_CLINIC", "DEMO_PASSWORD", "seed", "seed_clinical"]
