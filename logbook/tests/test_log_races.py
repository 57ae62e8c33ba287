"""Transitions that can race, raced for real (two threads, two database connections)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from logbook.models import LogRevision, LogStatus
from logbook.services import log as services
from logbook.tests.factories import DAY, at, staffed_shift
from staff.queries import actor_for

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls) -> list:
    """Run each call in its own thread at the same moment; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the test inspects what each side got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_sign_offs_at_once_sign_once(cast):
    shift = staffed_shift(cast)
    teacher = actor_for(cast.teacher.user)
    log = services.open_log(shift=shift, actor=teacher, now=at(DAY, 8))
    content = {"weather": "晴", "summary": "正常"}
    log = services.submit_log(log=log, actor=teacher, version=1, data=content, now=at(DAY, 16))
    leader, principal = actor_for(cast.leader.user), actor_for(cast.principal.user)
    results = race(
        lambda: services.sign_log(log=log, actor=leader, comment="甲"),
        lambda: services.sign_log(log=log, actor=principal, comment="乙"),
    )
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    log.refresh_from_db()
    assert log.status == LogStatus.SIGNED
    assert LogRevision.objects.filter(log=log, action="signed").count() == 1


def test_two_tabs_saving_the_same_version_at_once_save_once(cast):
    shift = staffed_shift(cast)
    log = services.open_log(shift=shift, actor=actor_for(cast.teacher.user), now=at(DAY, 8))
    teacher, guard = actor_for(cast.teacher.user), actor_for(cast.guard.user)
    results = race(
        lambda: services.autosave_log(log=log, actor=teacher, data={"summary": "甲"}, version=1),
        lambda: services.autosave_log(log=log, actor=guard, data={"summary": "乙"}, version=1),
    )
    assert sum(isinstance(r, services.LogConflict) for r in results) == 1, results
    log.refresh_from_db()
    assert log.version == 2 and log.summary in ("甲", "乙")
    assert LogRevision.objects.filter(log=log, action="saved").count() == 1
