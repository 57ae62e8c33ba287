"""A Celery round trip through the real Redis broker and a real worker process."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from notifications.models import Heartbeat
from notifications.services import request_heartbeat

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return predicate()


def test_a_task_enqueued_on_commit_runs_in_a_real_worker(celery_worker_process):
    with transaction.atomic():
        request_heartbeat(name="round-trip")
        # Nothing is published before the transaction commits.
        assert not Heartbeat.objects.filter(name="round-trip").exists()
    beat = wait_for(lambda: Heartbeat.objects.filter(name="round-trip").first())
    assert beat is not None, celery_worker_process.output()
    assert beat.beats == 1


def test_a_rolled_back_transaction_enqueues_nothing(celery_worker_process):
    with pytest.raises(RuntimeError), transaction.atomic():
        request_heartbeat(name="rolled-back")
        raise RuntimeError("the change fails after the request")
    # A later task proves the worker is alive and has drained the queue in order.
    request_heartbeat(name="sentinel")
    assert wait_for(lambda: Heartbeat.objects.filter(name="sentinel").exists())
    assert not Heartbeat.objects.filter(name="rolled-back").exists()
