"""Database-level guards and the full-text index.

- A signed note can never be updated or deleted, and an addendum never changes: triggers
  refuse it whatever path the write comes from (a shell, a script, a bug). On SQLite only
  UPDATE is guarded (Django's test flush deletes rows with DELETE there).
- PostgreSQL gets a GIN index over the note text matching the expression that
  `SearchVector("search_text", config="english")` produces; SQLite searches with icontains.
"""

from django.db import migrations

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION integration_notes_refuse_signed_note_change() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'signed' THEN
            RAISE EXCEPTION 'A signed note never changes (note %%); add an addendum.', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER note_signed_is_immutable
    BEFORE UPDATE OR DELETE ON integration_notes_note
    FOR EACH ROW EXECUTE FUNCTION integration_notes_refuse_signed_note_change();
    """,
    """
    CREATE OR REPLACE FUNCTION integration_notes_refuse_addendum_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'An addendum never changes (addendum %%).', OLD.id
            USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER addendum_is_immutable
    BEFORE UPDATE OR DELETE ON integration_notes_addendum
    FOR EACH ROW EXECUTE FUNCTION integration_notes_refuse_addendum_change();
    """,
    """
    CREATE INDEX note_search_text_gin ON integration_notes_note
    USING gin (to_tsvector('english'::regconfig, COALESCE(search_text, '')));
    """,
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS note_search_text_gin;",
    "DROP TRIGGER IF EXISTS addendum_is_immutable ON integration_notes_addendum;",
    "DROP FUNCTION IF EXISTS integration_notes_refuse_addendum_change();",
    "DROP TRIGGER IF EXISTS note_signed_is_immutable ON integration_notes_note;",
    "DROP FUNCTION IF EXISTS integration_notes_refuse_signed_note_change();",
]
SQLITE_FORWARD = [
    """
    CREATE TRIGGER note_signed_is_immutable BEFORE UPDATE ON integration_notes_note
    WHEN OLD.status = 'signed'
    BEGIN SELECT RAISE(ABORT, 'A signed note never changes; add an addendum.'); END;
    """,
    """
    CREATE TRIGGER addendum_is_immutable BEFORE UPDATE ON integration_notes_addendum
    BEGIN SELECT RAISE(ABORT, 'An addendum never changes.'); END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS addendum_is_immutable;",
    "DROP TRIGGER IF EXISTS note_signed_is_immutable;",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("integration_notes", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
