"""PostgreSQL guards for the duty log (RELIABILITY.md "Records").

- A submitted or signed log never changes: any UPDATE of its content or submission columns is
  refused, whether it comes from the ORM, a queryset update() or raw SQL. Only submitted →
  signed (with the sign-off columns) is allowed, plus the bookkeeping ``version``/``updated_at``.
  Deleting a submitted log is refused.
- Amendments and revisions are append-only: UPDATE and DELETE are refused.
- History includes bulk changes: an UPDATE that did not come through the services (which set
  the transaction-local ``dutyschool.audited`` and write their own revision) gets a revision row
  written here, so there is exactly one revision per change either way.

SQLite (the embedded dev mode) gets none of this; the services enforce the same rules.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION logbook_dutylog_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  free CONSTANT text[] := ARRAY['status', 'signed_at', 'signed_by_id', 'sign_comment',
                                'version', 'updated_at'];
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION 'duty log % is %: it cannot be deleted', OLD.id, OLD.status
        USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status = 'draft' THEN
    RETURN NEW;
  END IF;
  IF (to_jsonb(NEW) - free) IS DISTINCT FROM (to_jsonb(OLD) - free) THEN
    RAISE EXCEPTION 'duty log % is %: it is read-only, add an amendment', OLD.id, OLD.status
      USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD.status = 'submitted' AND NEW.status = 'signed' THEN
    RETURN NEW;  -- the one transition left: the leader's sign-off
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status
     OR NEW.signed_at IS DISTINCT FROM OLD.signed_at
     OR NEW.signed_by_id IS DISTINCT FROM OLD.signed_by_id
     OR NEW.sign_comment IS DISTINCT FROM OLD.sign_comment THEN
    RAISE EXCEPTION 'duty log % is %: its status and sign-off cannot change', OLD.id, OLD.status
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER logbook_dutylog_guard BEFORE UPDATE OR DELETE ON logbook_dutylog
  FOR EACH ROW EXECUTE FUNCTION logbook_dutylog_guard();

CREATE OR REPLACE FUNCTION logbook_dutylog_history() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  diff jsonb;
BEGIN
  IF coalesce(current_setting('dutyschool.audited', true), '') = 'on' THEN
    RETURN NULL;  -- a service made this change and wrote its own revision
  END IF;
  SELECT jsonb_object_agg(n.key, jsonb_build_array(o.value, n.value)) INTO diff
    FROM jsonb_each(to_jsonb(NEW)) AS n JOIN jsonb_each(to_jsonb(OLD)) AS o ON o.key = n.key
   WHERE n.value IS DISTINCT FROM o.value AND n.key NOT IN ('version', 'updated_at');
  IF diff IS NOT NULL THEN
    INSERT INTO logbook_logrevision (log_id, actor_id, at, action, changes)
      VALUES (NEW.id, NULL, now(), 'direct', diff);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER logbook_dutylog_history AFTER UPDATE ON logbook_dutylog
  FOR EACH ROW EXECUTE FUNCTION logbook_dutylog_history();

CREATE OR REPLACE FUNCTION logbook_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER logbook_logamendment_append_only BEFORE UPDATE OR DELETE ON logbook_logamendment
  FOR EACH ROW EXECUTE FUNCTION logbook_append_only();
CREATE TRIGGER logbook_logrevision_append_only BEFORE UPDATE OR DELETE ON logbook_logrevision
  FOR EACH ROW EXECUTE FUNCTION logbook_append_only();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS logbook_logrevision_append_only ON logbook_logrevision;
DROP TRIGGER IF EXISTS logbook_logamendment_append_only ON logbook_logamendment;
DROP FUNCTION IF EXISTS logbook_append_only();
DROP TRIGGER IF EXISTS logbook_dutylog_history ON logbook_dutylog;
DROP FUNCTION IF EXISTS logbook_dutylog_history();
DROP TRIGGER IF EXISTS logbook_dutylog_guard ON logbook_dutylog;
DROP FUNCTION IF EXISTS logbook_dutylog_guard();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # No parameters: the driver then sends the text as is ("%" is PL/pgSQL's, and
            # several statements are allowed).
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("logbook", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
