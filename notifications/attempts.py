"""Starting and finishing one delivery attempt, in as few database round trips as possible.

Per notice, a delivery does: take the claim over as a short sending lease, count the attempt,
read the notice, record the attempt row (before the external call) — and afterwards close the
attempt and move the notice on, together. On PostgreSQL each half is a single statement (a
data-modifying CTE), so a delivery costs two round trips instead of seven; a statement is atomic
on its own, so the guarantees are those of the ORM version used on SQLite (the embedded mode):
only the current claim holder gets a row back or changes the notice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Value
from django.db.models.functions import Now
from django.utils import timezone

from notifications.models import AttemptOutcome, DeliveryAttempt, Notice, NoticeStatus

_START_SQL = """
WITH n AS (
    UPDATE notifications_notice
       SET claimed_until = now() + %(lease)s, attempts = attempts + 1
     WHERE id = %(id)s AND status = %(sending)s AND claim_token = %(token)s
 RETURNING *
), a AS (
    INSERT INTO notifications_deliveryattempt (notice_id, number, channel, started_at, outcome,
                                               detail)
    SELECT id, attempts, channel, now(), %(started)s, '' FROM n
 RETURNING id
)
SELECT n.*, a.id AS attempt_id FROM n, a
"""

# Columns a finish may set on the notice (names are interpolated, so only these).
_FINISH_COLUMNS = ("status", "sent_at", "due_at", "last_error")


def start_attempt(*, notice_id: int, token: str, lease: timedelta) -> tuple[Notice, int] | None:
    """Turn the claim into a sending lease and record attempt n; None if the token is stale."""
    if connection.vendor == "postgresql":
        params = {"lease": lease, "id": notice_id, "sending": NoticeStatus.SENDING,
                  "token": token, "started": AttemptOutcome.STARTED}  # fmt: skip
        rows = list(Notice.objects.raw(_START_SQL, params))
        return (rows[0], rows[0].attempt_id) if rows else None
    lease_end = ExpressionWrapper(Now() + Value(lease), output_field=DateTimeField())
    started = Notice.objects.filter(
        pk=notice_id, status=NoticeStatus.SENDING, claim_token=token
    ).update(claimed_until=lease_end, attempts=F("attempts") + 1)
    if not started:
        return None
    notice = Notice.objects.get(pk=notice_id)
    attempt = DeliveryAttempt.objects.create(
        notice=notice, number=notice.attempts, channel=notice.channel, started_at=timezone.now()
    )
    return notice, attempt.pk


def finish_attempt(
    *, notice_id: int, token: str, attempt_id: int, outcome: str, detail: str, fields: dict
) -> None:
    """Close the attempt and set ``fields`` on the notice (releasing the claim), if the token
    is still current; the attempt is closed either way."""
    now = timezone.now()
    detail = detail[:2000]
    if connection.vendor == "postgresql":
        if not set(fields) <= set(_FINISH_COLUMNS):
            raise ValueError(f"unexpected notice fields: {sorted(fields)}")
        sets = ", ".join(f"{column} = %({column})s" for column in fields)
        sql = f"""
        WITH a AS (
            UPDATE notifications_deliveryattempt
               SET outcome = %(outcome)s, finished_at = %(now)s, detail = %(detail)s
             WHERE id = %(attempt)s
        )
        UPDATE notifications_notice
           SET claim_token = '', claimed_until = NULL, {sets}
         WHERE id = %(id)s AND claim_token = %(token)s
        """  # noqa: S608 (column names come from _FINISH_COLUMNS only)
        params = {"outcome": outcome, "now": now, "detail": detail, "attempt": attempt_id,
                  "id": notice_id, "token": token, **fields}  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    with transaction.atomic():
        DeliveryAttempt.objects.filter(pk=attempt_id).update(
            outcome=outcome, finished_at=now, detail=detail
        )
        Notice.objects.filter(pk=notice_id, claim_token=token).update(
            claim_token="", claimed_until=None, **fields
        )


def finish_fields(outcome: str, detail: str, *, now: datetime, retry_in: timedelta | None) -> dict:
    if outcome == AttemptOutcome.OK:
        return {"status": NoticeStatus.SENT, "sent_at": now, "last_error": ""}
    if outcome == AttemptOutcome.RETRY:
        return {"status": NoticeStatus.PENDING, "due_at": now + retry_in, "last_error": detail}
    return {"status": NoticeStatus.FAILED, "last_error": detail}
