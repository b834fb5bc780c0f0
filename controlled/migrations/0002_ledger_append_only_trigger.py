"""The database itself refuses to change or delete a ledger entry.

PostgreSQL: a trigger raises on UPDATE or DELETE of controlled_ledgerentry (TRUNCATE, used
only by test teardown, does not fire it). SQLite: a trigger refuses UPDATE; DELETE stays
possible there because Django's test flush deletes rows, and the model already refuses it.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION controlled_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'controlled ledger entries are append-only (% refused); record a reversing entry', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER controlled_ledger_append_only
    BEFORE UPDATE OR DELETE ON controlled_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION controlled_ledger_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS controlled_ledger_append_only ON controlled_ledgerentry;
DROP FUNCTION IF EXISTS controlled_ledger_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER controlled_ledger_no_update BEFORE UPDATE ON controlled_ledgerentry
BEGIN
    SELECT RAISE(ABORT, 'controlled ledger entries are append-only; record a reversing entry');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS controlled_ledger_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("controlled", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
