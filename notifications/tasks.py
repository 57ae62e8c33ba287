"""Thin Celery wrappers: ids in, one service call, a short status string out."""

import logging
import time

from celery import shared_task

from dutyschool.queue import publish
from notifications import services

logger = logging.getLogger(__name__)
SWEEP_BATCH = 200
TASK_CHUNK = 25
SWEEP_BUDGET_SECONDS = 20
ESCALATION_BATCH = 50


@shared_task(name="notifications.tasks.record_heartbeat")
def record_heartbeat(name: str) -> str:
    beat = services.record_heartbeat(name=name)
    return f"{beat.name}: {beat.beats}"


@shared_task(name="notifications.tasks.deliver_notice")
def deliver_notice(notice_id: int) -> str:
    """Fast path after commit. If the notice is not claimable (already sent, not due, taken by
    the sweeper), do nothing: running twice is harmless."""
    token = services.claim_notice(notice_id=notice_id)
    if token is None:
        return "not claimable"
    return services.deliver_claimed_notice(notice_id=notice_id, token=token)


@shared_task(name="notifications.tasks.deliver_claimed_notice")
def deliver_claimed_notice(notice_id: int, token: str) -> str:
    return services.deliver_claimed_notice(notice_id=notice_id, token=token)


@shared_task(name="notifications.tasks.deliver_claimed_notices")
def deliver_claimed_notices(notice_ids: list[int], token: str) -> str:
    """A sweeper's chunk, sent one by one. Redelivered after a crash, the ones already sent
    are stale and skipped; only the one that was in flight is sent again."""
    outcomes = [services.deliver_claimed_notice(notice_id=pk, token=token) for pk in notice_ids]
    return f"{outcomes.count('sent')}/{len(outcomes)} sent"


@shared_task(name="notifications.tasks.sweep_notices")
def sweep_notices() -> str:
    """Claim everything due that no fast-path task delivered and hand each to a worker. A
    lost hand-off is harmless: the claim's lease expires and the next sweep takes it again."""
    claimed = 0
    started = time.monotonic()
    # Keep claiming while full batches come back (a backlog after a Redis restart), within a
    # budget that leaves the next beat tick free.
    while time.monotonic() - started < SWEEP_BUDGET_SECONDS:
        claims = services.claim_due_notices(limit=SWEEP_BATCH)
        # One task per chunk: per-task broker round trips cost more than a delivery. If a
        # publish is lost, the claims' lease runs out and a later sweep retries them.
        for start in range(0, len(claims), TASK_CHUNK):
            chunk = claims[start : start + TASK_CHUNK]
            publish(deliver_claimed_notices, [pk for pk, _token in chunk], chunk[0][1])
        claimed += len(claims)
        if len(claims) < SWEEP_BATCH:
            break
    services.record_heartbeat(name="sweeper")
    return f"claimed {claimed}"


@shared_task(name="notifications.tasks.advance_escalation")
def advance_escalation(escalation_id: int) -> str:
    from notifications.escalation import advance_escalation as advance

    return advance(escalation_id=escalation_id)


@shared_task(name="notifications.tasks.advance_escalations")
def advance_escalations() -> str:
    from notifications.escalation import advance_due_escalations

    # Keep going while full batches come back (many steps due at once), within the same budget
    # as the sweeper so the next tick is not held up.
    ran, started = 0, time.monotonic()
    while time.monotonic() - started < SWEEP_BUDGET_SECONDS:
        batch = advance_due_escalations(limit=ESCALATION_BATCH)
        ran += batch
        if batch < ESCALATION_BATCH:
            break
    services.record_heartbeat(name="escalations")
    return f"{ran} steps"


@shared_task(name="notifications.tasks.audit_pipeline")
def audit_pipeline() -> str:
    """Check that nothing due is overdue, record the auditor's heartbeat, and tell an external
    watcher (PIPELINE_PING_URL, healthchecks.io style) whether all is well."""
    from notifications.health import pipeline_status

    services.record_heartbeat(name="auditor")
    status = pipeline_status()
    if not status.ok:
        failing = [f"{c.name}={c.detail}" for c in status.checks if not c.ok]
        logger.error("notification pipeline unhealthy: %s", ", ".join(failing))
    services.ping_watcher(ok=status.ok)
    return "ok" if status.ok else "unhealthy"
