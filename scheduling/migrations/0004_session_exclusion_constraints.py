"""No clinician, room or patient is ever double-booked: PostgreSQL exclusion constraints.

They live on practice's session table but belong to scheduling's rules. Rows sharing a
`booking_key` are one group booking, so the room and clinician constraints let them
overlap; a patient can never be in two sessions at once. Ranges are half-open ('[)'), so
back-to-back sessions are allowed; cancelled sessions free their slot.

SQLite has no EXCLUDE: there the booking services check inside their transaction, and this
migration only adds the (room, starts_at) index the conflict and slot queries use.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

RANGE = "tstzrange(starts_at, ends_at, '[)')"
CONSTRAINTS = {
    "session_room_not_double_booked": (
        f"room_id WITH =, {RANGE} WITH &&, booking_key WITH <>",
        "status <> 'cancelled' AND room_id IS NOT NULL",
    ),
    "session_clinician_not_double_booked": (
        f"clinician_id WITH =, {RANGE} WITH &&, booking_key WITH <>",
        "status <> 'cancelled'",
    ),
    "session_patient_not_double_booked": (
        f"patient_id WITH =, {RANGE} WITH &&",
        "status <> 'cancelled'",
    ),
}


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, (elements, where) in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE practice_session ADD CONSTRAINT {name} "
            f"EXCLUDE USING gist ({elements}) WHERE ({where})"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE practice_session DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0002_initial"),
        ("scheduling", "0003_calendar_retreats"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraints, drop_constraints),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS session_room_starts_idx "
            "ON practice_session (room_id, starts_at)",
            "DROP INDEX IF EXISTS session_room_starts_idx",
        ),
    ]
