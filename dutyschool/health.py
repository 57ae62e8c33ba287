"""Liveness and readiness: is this process up, and can the product do its work?

Readiness combines what a web process can check itself (the database answers, the broker
accepts a connection) with what the notification pipeline records in the database (beat and
worker heartbeats, sweeper lag, the oldest undelivered notice, overdue escalation steps). The
same report feeds /readyz (JSON, 200 or 503), the admins' system status page and
``manage.py health`` for monitoring scripts.
"""

from __future__ import annotations

import time
from datetime import datetime

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.health import Check, PipelineStatus, pipeline_status


def _database() -> Check:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not ready"; the detail says which
        return Check("database", _("Database"), False, type(exc).__name__)
    return Check("database", _("Database"), True, f"{(time.monotonic() - started) * 1000:.0f} ms")


def _broker() -> Check:
    from dutyschool.celery import app

    started = time.monotonic()
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as exc:
        return Check("broker", _("Message broker"), False, type(exc).__name__)
    return Check(
        "broker", _("Message broker"), True, f"{(time.monotonic() - started) * 1000:.0f} ms"
    )


def readiness(*, now: datetime | None = None) -> PipelineStatus:
    """Every check; the pipeline's are skipped (reported failing) when the database is down."""
    now = now or timezone.now()
    database = _database()
    if not database.ok:
        return PipelineStatus(checked_at=now, checks=[database, _broker()])
    status = pipeline_status(now=now)
    status.checks[:0] = [database, _broker()]
    return status
