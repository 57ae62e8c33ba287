"""PostgreSQL guard for the hazard history (安全隐患处理记录): HazardEvent rows are append-only.
UPDATE and DELETE are refused, whether from the ORM, a queryset or raw SQL, so the ledger's
who-did-what-when cannot be rewritten after the fact. SQLite (the embedded dev mode) gets none of
this; the services have no update or delete path for events.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION logbook_hazardevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'hazard event % is part of the history: it cannot be changed or deleted', OLD.id
    USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER logbook_hazardevent_append_only BEFORE UPDATE OR DELETE ON logbook_hazardevent
  FOR EACH ROW EXECUTE FUNCTION logbook_hazardevent_append_only();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS logbook_hazardevent_append_only ON logbook_hazardevent;
DROP FUNCTION IF EXISTS logbook_hazardevent_append_only();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("logbook", "0003_report_frozen")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
