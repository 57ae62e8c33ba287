"""Thin Celery wrappers: ids in, one service call, a short status string out."""

from celery import shared_task

from notifications import services


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


@shared_task(name="notifications.tasks.sweep_notices")
def sweep_notices() -> str:
    """Claim everything due that no fast-path task delivered and hand each to a worker. A
    lost hand-off is harmless: the claim's lease expires and the next sweep takes it again."""
    claims = services.claim_due_notices()
    for notice_id, token in claims:
        deliver_claimed_notice.delay(notice_id, token)
    services.record_heartbeat(name="sweeper")
    return f"claimed {len(claims)}"


@shared_task(name="notifications.tasks.advance_escalation")
def advance_escalation(escalation_id: int) -> str:
    from notifications.escalation import advance_escalation as advance

    return advance(escalation_id=escalation_id)


@shared_task(name="notifications.tasks.advance_escalations")
def advance_escalations() -> str:
    from notifications.escalation import advance_due_escalations

    ran = advance_due_escalations()
    services.record_heartbeat(name="escalations")
    return f"{ran} steps"
