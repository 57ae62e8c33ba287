"""Writes for the notifications app: the outbox, its claims and delivery.

The outbox row is the record of work; Celery tasks are only a fast path. A notice is
published inside the caller's transaction and its delivery is enqueued on commit; a periodic
sweep claims anything due that no task delivered (a lost message, a dead worker). Claims use
``SELECT … FOR UPDATE SKIP LOCKED`` and the database's clock, so any number of sweepers can
run; each claim carries a token, and only the holder of the current token may finish it.
"""

from __future__ import annotations

import time
import urllib.request
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Concat, Now
from django.utils import timezone

from dutyschool.queue import publish_on_commit
from notifications.attempts import finish_attempt, finish_fields, start_attempt
from notifications.models import (
    AttemptOutcome,
    ChannelConfig,
    Heartbeat,
    Notice,
    NoticeStatus,
)

INAPP = "inapp"
MAX_ATTEMPTS = 6
# Seconds to wait after the n-th failed attempt: 1 min, 5 min, 15 min, 1 h, 3 h.
BACKOFF = (60, 300, 900, 3600, 3 * 3600)
# Longer than any channel's network timeout, so a live sender never loses its claim.
LEASE = timedelta(minutes=2)
# A notice the sweeper claimed waits in the broker queue before a worker starts it; under a
# backlog that can take minutes. Its claim lasts this long, and shrinks to LEASE once a worker
# actually starts sending — so a long queue does not make the sweeper re-claim (and re-queue)
# work that is merely waiting its turn.
QUEUED_LEASE = timedelta(minutes=10)


def record_heartbeat(*, name: str) -> Heartbeat:
    """Note that process ``name`` is alive now. Safe to run twice or concurrently."""
    now = timezone.now()
    with transaction.atomic():
        updated = Heartbeat.objects.filter(name=name).update(seen_at=now, beats=F("beats") + 1)
        if not updated:
            Heartbeat.objects.get_or_create(name=name, defaults={"seen_at": now, "beats": 1})
    return Heartbeat.objects.get(name=name)


def request_heartbeat(*, name: str) -> None:
    """Ask a worker to record a heartbeat once the current transaction commits."""
    from notifications.tasks import record_heartbeat as task

    publish_on_commit(task, name)


def notice_key(*, event: str, recipient_id: int, channel: str) -> str:
    return f"{event}:{recipient_id}:{channel}"


def publish_notice(
    *,
    school_id: int,
    recipient_id: int,
    event: str,
    channel: str,
    subject: str,
    body: str = "",
    url: str = "",
    address: str = "",
    urgent: bool = False,
    due_at: datetime | None = None,
    now: datetime | None = None,
) -> Notice:
    """Write one outbox row in the caller's transaction; publishing it again is a no-op.

    In-app notices are delivered by being written. Others are handed to a worker after
    commit; if that hand-off is lost, the sweeper sends them. ``now``: the caller's clock
    (default the real one), so a caller deciding what is due on one clock is not second-guessed
    by another.
    """
    now = now or timezone.now()
    due_at = due_at or now
    # An in-app notice that is due is delivered by being written; a future one waits its turn.
    is_inapp = channel == INAPP and due_at <= now
    key = notice_key(event=event, recipient_id=recipient_id, channel=channel)
    with transaction.atomic(savepoint=False):
        # ON CONFLICT DO NOTHING: a duplicate publish neither fails nor breaks the transaction.
        Notice.objects.bulk_create(
            [
                Notice(
                    school_id=school_id,
                    recipient_id=recipient_id,
                    key=key,
                    event=event,
                    channel=channel,
                    address=address,
                    subject=subject[:200],
                    body=body,
                    url=url,
                    urgent=urgent,
                    due_at=due_at,
                    status=NoticeStatus.SENT if is_inapp else NoticeStatus.PENDING,
                    sent_at=now if is_inapp else None,
                )
            ],
            ignore_conflicts=True,
        )
        notice = Notice.objects.get(key=key)
    if notice.status == NoticeStatus.PENDING and notice.due_at <= now:
        from notifications.tasks import deliver_notice

        publish_on_commit(deliver_notice, notice.pk)
    return notice


def _lease_end(lease: timedelta = LEASE) -> ExpressionWrapper:
    return ExpressionWrapper(Now() + Value(lease), output_field=DateTimeField())


def claim_notice(*, notice_id: int) -> str | None:
    """Claim one due notice for sending; None if it is not due, not pending or taken."""
    token = uuid.uuid4().hex
    claimed = Notice.objects.filter(
        pk=notice_id, status=NoticeStatus.PENDING, due_at__lte=Now()
    ).update(status=NoticeStatus.SENDING, claim_token=token, claimed_until=_lease_end())
    return token if claimed else None


def claim_due_notices(*, limit: int = 50) -> list[tuple[int, str]]:
    """Claim up to ``limit`` due notices (and ones whose sender's lease ran out)."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        ids = list(
            Notice.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=NoticeStatus.PENDING, due_at__lte=Now())
                | Q(status=NoticeStatus.SENDING, claimed_until__lt=Now())
            )
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        )
        Notice.objects.filter(pk__in=ids).update(
            status=NoticeStatus.SENDING, claim_token=token, claimed_until=_lease_end(QUEUED_LEASE)
        )
    return [(pk, token) for pk in ids]


def deliver_claimed_notice(*, notice_id: int, token: str) -> str:
    """Send a claimed notice through its channel and record the attempt.

    The attempt row is written before the external call, which happens outside any
    transaction. Only the current claim holder may finish; a stale token does nothing.
    """
    from notifications.channels.base import DeliveryError, Message, get_channel

    # Starting now: the queued claim becomes a short sending lease (and a stale token stops).
    started = start_attempt(notice_id=notice_id, token=token, lease=LEASE)
    if started is None:
        return "stale"
    notice, attempt = started
    number = notice.attempts - notice.attempt_base  # within this run (an admin retry restarts it)
    message = Message(
        subject=notice.subject,
        body=notice.body,
        url=notice.url,
        urgent=notice.urgent,
        key=notice.key,
    )
    if notice.channel == INAPP:  # the inbox is our own table: showing it is delivering it
        _finish(notice, token, attempt, AttemptOutcome.OK, "inbox", retry_in=None)
        return "sent"
    try:
        config = _channel_config(notice)
        receipt = get_channel(notice.channel, config).send(address=notice.address, message=message)
    except DeliveryError as exc:
        permanent = exc.permanent or number >= MAX_ATTEMPTS
        outcome = AttemptOutcome.FAILED if permanent else AttemptOutcome.RETRY
        _finish(
            notice,
            token,
            attempt,
            outcome,
            str(exc),
            retry_in=None if permanent else _backoff(number),
        )
        return f"{outcome}: {exc}"
    _finish(notice, token, attempt, AttemptOutcome.OK, str(receipt or ""), retry_in=None)
    return "sent"


# A worker delivers many notices of one school and channel in a row; the configuration is read
# once per CONFIG_TTL per process (an admin's change reaches every worker within that time).
CONFIG_TTL = 10.0
_config_cache: dict[tuple[int, str], tuple[float, dict | None]] = {}


def _channel_config(notice: Notice) -> dict:
    from notifications.channels.base import DeliveryError

    if notice.channel == "email":
        return {}
    key = (notice.school_id, notice.channel)
    cached = _config_cache.get(key)
    if cached is None or cached[0] < time.monotonic():
        row = ChannelConfig.objects.filter(
            school_id=notice.school_id, kind=notice.channel, enabled=True
        ).first()
        cached = (time.monotonic() + CONFIG_TTL, row.config if row else None)
        _config_cache[key] = cached
    if cached[1] is None:
        raise DeliveryError(f"no {notice.channel} channel is configured", permanent=True)
    return cached[1]


def forget_channel_configs() -> None:
    """Drop this process's cached channel configurations (after an admin changes one)."""
    _config_cache.clear()


def _backoff(number: int) -> timedelta:
    return timedelta(seconds=BACKOFF[min(number, len(BACKOFF)) - 1])


def _finish(notice, token, attempt: int, outcome, detail: str, *, retry_in) -> None:
    fields = finish_fields(outcome, detail[:2000], now=timezone.now(), retry_in=retry_in)
    finish_attempt(notice_id=notice.pk, token=token, attempt_id=attempt, outcome=outcome,
                   detail=detail, fields=fields)  # fmt: skip


def retry_failed_notice(*, notice_id: int) -> bool:
    """An administrator sends a failed notice again (a fresh run of attempts)."""
    retried = Notice.objects.filter(pk=notice_id, status=NoticeStatus.FAILED).update(
        status=NoticeStatus.PENDING, due_at=Now(), attempt_base=F("attempts")
    )
    if retried:
        from notifications.tasks import deliver_notice

        publish_on_commit(deliver_notice, notice_id)
    return bool(retried)


def mark_read(*, user_id: int, notice_id: int | None = None) -> int:
    """Mark one in-app notice (or all of the user's) as read."""
    rows = Notice.objects.filter(recipient_id=user_id, channel=INAPP, read_at__isnull=True)
    if notice_id is not None:
        rows = rows.filter(pk=notice_id)
    return rows.update(read_at=timezone.now())


def ping_watcher(*, ok: bool) -> bool:
    """GET the external watcher URL (or its ``/fail`` variant). Never raises: a watcher that is
    down must not make the auditor fail; the watcher notices the missing ping itself."""
    url = settings.PIPELINE_PING_URL
    if not url:
        return False
    if not url.startswith(("http://", "https://")):
        return False
    target = url if ok else url.rstrip("/") + "/fail"
    try:
        with urllib.request.urlopen(target, timeout=5):  # noqa: S310 - http(s) checked above
            return True
    except (OSError, ValueError):
        return False


def cancel_pending_notices(*, events: list[str]) -> int:
    """Withdraw notices not yet sent (a reminder for a duty that was removed). A notice
    already being sent is not interrupted. The withdrawn rows give up their idempotency keys,
    so the same event can be published again (a duty moved away and back)."""
    released = Concat(F("key"), Value(f":withdrawn:{uuid.uuid4().hex[:12]}"))
    return Notice.objects.filter(event__in=events, status=NoticeStatus.PENDING).update(
        status=NoticeStatus.CANCELLED, claim_token="", claimed_until=None, key=released
    )
