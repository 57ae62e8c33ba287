"""PostgreSQL guard for the daily reports to the bureau (值班日报 / 零报告): a report, once
written, never changes — a correction is the next version. Any UPDATE is refused (ORM, queryset
update() or raw SQL), except the reporter's login being cleared when that login is deleted
(ON DELETE SET NULL). SQLite (the embedded dev mode) gets none of this; the services have no
update path.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION logbook_dailyreport_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (to_jsonb(NEW) - 'reporter_id') IS DISTINCT FROM (to_jsonb(OLD) - 'reporter_id')
     OR (NEW.reporter_id IS NOT NULL AND NEW.reporter_id IS DISTINCT FROM OLD.reporter_id) THEN
    RAISE EXCEPTION 'daily report % is read-only: submit a correction (a new version)', OLD.id
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER logbook_dailyreport_frozen BEFORE UPDATE ON logbook_dailyreport
  FOR EACH ROW EXECUTE FUNCTION logbook_dailyreport_frozen();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS logbook_dailyreport_frozen ON logbook_dailyreport;
DROP FUNCTION IF EXISTS logbook_dailyreport_frozen();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    # After the log guards: one chain of hand-written migrations, so there is a single leaf.
    dependencies = [("logbook", "0002_log_guards")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
