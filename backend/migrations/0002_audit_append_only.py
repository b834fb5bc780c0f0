"""The database refuses to change or delete audit rows (ours and django-auditlog's).

PostgreSQL: a trigger raises on UPDATE, and on DELETE unless the transaction set
`kap.audit_purge = 'on'` (SET LOCAL, as `backend.audit.audit_purge` does) and the row is
older than `kap.audit_retention_days` (default 2192 days) by the database's clock.
TRUNCATE (test teardown only) does not fire row triggers.
SQLite: a trigger refuses UPDATE; DELETE stays possible there because Django's test flush
deletes rows.
"""

from django.db import migrations

TABLES = {"backend_auditevent": "at", "auditlog_logentry": "timestamp"}

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION kap_audit_append_only() RETURNS trigger AS $$
DECLARE
    stamp timestamptz;
    days integer;
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('kap.audit_purge', true) = 'on' THEN
        stamp := (to_jsonb(OLD) ->> TG_ARGV[0])::timestamptz;
        days := coalesce(nullif(current_setting('kap.audit_retention_days', true), '')::integer, 2192);
        IF stamp < now() - make_interval(days => days) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only (% on % refused)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""
PG_TRIGGER = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION kap_audit_append_only('{column}');
"""
PG_DROP_TRIGGER = "DROP TRIGGER IF EXISTS {table}_append_only ON {table};"
PG_DROP_FUNCTION = "DROP FUNCTION IF EXISTS kap_audit_append_only();"
SQLITE_TRIGGER = """
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;
"""
SQLITE_DROP_TRIGGER = "DROP TRIGGER IF EXISTS {table}_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        for table, column in TABLES.items():
            schema_editor.execute(PG_TRIGGER.format(table=table, column=column), params=None)
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(SQLITE_TRIGGER.format(table=table))


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(PG_DROP_TRIGGER.format(table=table), params=None)
        schema_editor.execute(PG_DROP_FUNCTION, params=None)
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(SQLITE_DROP_TRIGGER.format(table=table))


class Migration(migrations.Migration):
    dependencies = [
        ("backend", "0001_audit_event"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(forward, backward)]
