"""Writes for the notifications app."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notifications.models import Heartbeat


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

    transaction.on_commit(lambda: task.delay(name))
