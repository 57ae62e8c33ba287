"""Publishing Celery tasks from request code without making the broker a single point of
failure.

Every task we publish is a fast path for work whose record is a database row (a notice, an
escalation step, a reminder). So a publish that fails — Redis down or restarting — is logged
and dropped: the periodic sweeps find the row. The user's request still succeeds.
"""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)

# Give up quickly: a request must not hang while the broker is away.
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def publish(task, *args) -> bool:
    try:
        task.apply_async(args=args, retry=True, retry_policy=RETRY_POLICY)
    except Exception:  # kombu/redis raise many types; any of them means "not published"
        logger.warning(
            "could not publish %s%r; the periodic sweep will pick it up",
            task.name,
            args,
            exc_info=True,
        )
        return False
    return True


def publish_on_commit(task, *args) -> None:
    """Publish ``task(*args)`` once the current transaction commits (never if it rolls back)."""
    transaction.on_commit(lambda: publish(task, *args))
