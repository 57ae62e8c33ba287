"""Escalations: step by step until someone acknowledges, and not one notice after that.

Steps go through the fan-out (``notify``), so each step leaves in-app Notice rows keyed by the
event ``escalation:<id>:step:<n>``; counting those rows is counting what each step sent. Time
is controlled: instead of waiting minutes, a test moves ``next_due_at``.

Every test points this process's Celery app at a private Redis, so the task published when an
escalation starts lands in a queue that only this test's own worker (if any) consumes.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from dutyschool import queue
from notifications.escalation import (
    acknowledge_escalation,
    advance_due_escalations,
    advance_escalation,
    start_escalation,
)
from notifications.models import (
    Escalation,
    EscalationEvent,
    EscalationStatus,
    Heartbeat,
    Notice,
)
from notifications.tasks import advance_escalations

STEPS = [
    {"roles": ["leader"], "wait_minutes": 5},
    {"roles": ["principal"], "wait_minutes": 10},
    {"roles": ["bureau"], "wait_minutes": 0},
]
SNAPSHOT = [{**step, "users": []} for step in STEPS]  # as stored (validated, normalised)


@pytest.fixture
def broker(redis_server, use_broker):
    use_broker(redis_server.url)
    return redis_server


def start(cast, source="incident:1", steps=None) -> Escalation:
    return start_escalation(
        school=cast.school,
        source=source,
        subject="教学楼火警",
        body="三楼烟雾报警",
        steps=STEPS if steps is None else steps,
        actor=cast.teacher.user,
    )


def sent(escalation: Escalation, step: int) -> set[int]:
    """Who got an in-app notice for ``step`` (recipient user ids)."""
    return set(
        Notice.objects.filter(
            event=f"escalation:{escalation.pk}:step:{step}", channel="inapp"
        ).values_list("recipient_id", flat=True)
    )


def steps_sent(escalation: Escalation) -> dict[int, set[int]]:
    return {n: sent(escalation, n) for n in range(len(STEPS)) if sent(escalation, n)}


def log(escalation: Escalation) -> list[tuple]:
    return list(
        EscalationEvent.objects.filter(escalation=escalation)
        .order_by("pk")
        .values_list("kind", "step")
    )


def make_due(escalation: Escalation) -> None:
    """The controlled clock: the next step's wait is over."""
    Escalation.objects.filter(pk=escalation.pk).update(
        next_due_at=timezone.now() - timedelta(seconds=1)
    )


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def leaders(cast) -> set[int]:
    return {cast.leader.user_id, cast.principal.user_id}  # the principal is also a leader


@pytest.mark.django_db
def test_an_unacknowledged_escalation_takes_each_step_only_when_it_is_due(cast, broker):
    escalation = start(cast)
    assert advance_due_escalations() == 1
    assert steps_sent(escalation) == {0: leaders(cast)}
    escalation.refresh_from_db()
    wait = escalation.next_due_at - timezone.now()
    assert timedelta(minutes=4, seconds=50) < wait <= timedelta(minutes=5)
    # Not yet: four minutes and a half later, nothing moves.
    Escalation.objects.filter(pk=escalation.pk).update(
        next_due_at=timezone.now() + timedelta(seconds=30)
    )
    assert advance_due_escalations() == 0
    assert advance_escalation(escalation_id=escalation.pk) == "not due"
    assert 1 not in steps_sent(escalation)
    make_due(escalation)
    assert advance_due_escalations() == 1
    assert steps_sent(escalation) == {0: leaders(cast), 1: {cast.principal.user_id}}
    escalation.refresh_from_db()
    assert timedelta(minutes=9, seconds=50) < escalation.next_due_at - timezone.now()
    make_due(escalation)
    assert advance_due_escalations() == 1
    assert steps_sent(escalation)[2] == {cast.official.user_id}
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.FINISHED and escalation.next_due_at is None
    assert advance_due_escalations() == 0
    assert log(escalation) == [
        ("started", None),
        ("step", 0),
        ("step", 1),
        ("step", 2),
        ("finished", 2),
    ]


@pytest.mark.django_db
def test_a_step_that_reaches_nobody_moves_on_at_once(cast, broker):
    # Nobody holds the first step's role: the principal is told without the 5 minutes' wait.
    steps = [{"roles": ["tech"], "wait_minutes": 5}, *STEPS[1:]]
    Staff = type(cast.teacher)
    techs = Staff.objects.for_school(cast.school).filter(roles__role="tech")
    assert techs.exists()
    techs.update(active=False)  # the post is vacant
    escalation = start(cast, steps=steps)
    assert advance_due_escalations() == 2  # the empty step, then the principal's
    assert steps_sent(escalation) == {1: {cast.principal.user_id}}
    escalation.refresh_from_db()
    assert timedelta(minutes=9, seconds=50) < escalation.next_due_at - timezone.now()
    assert EscalationEvent.objects.get(escalation=escalation, step=0).detail == "(nobody to notify)"


@pytest.mark.django_db
def test_an_acknowledged_escalation_sends_nothing_more_and_the_log_says_who(cast, broker):
    escalation = start(cast)
    advance_due_escalations()
    assert acknowledge_escalation(escalation_id=escalation.pk, actor=cast.leader.user)
    assert not acknowledge_escalation(escalation_id=escalation.pk, actor=cast.principal.user)
    make_due(escalation)  # even if the clock says the next step is due
    assert advance_due_escalations() == 0
    assert advance_escalation(escalation_id=escalation.pk) == "not due"
    assert steps_sent(escalation) == {0: leaders(cast)}
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED
    assert escalation.acknowledged_by_id == cast.leader.user_id
    events = list(EscalationEvent.objects.filter(escalation=escalation).order_by("pk"))
    assert [(e.kind, e.step) for e in events] == [
        ("started", None),
        ("step", 0),
        ("acknowledged", None),
    ]
    assert events[0].actor_id == cast.teacher.user_id
    assert events[1].detail == "a-leader, a-principal"
    assert events[2].actor_id == cast.leader.user_id


def race(cast, escalation, first: str, head_start: float, errors: list) -> dict[str, object]:
    """Acknowledge and advance ``escalation`` in two threads released together; the one not
    named ``first`` waits ``head_start`` seconds. Returns each side's result."""
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}
    calls = {
        "ack": lambda: acknowledge_escalation(escalation_id=escalation.pk, actor=cast.leader.user),
        "step": lambda: advance_escalation(escalation_id=escalation.pk),
    }

    def run(name):
        try:
            barrier.wait(timeout=10)
            if name != first:
                time.sleep(head_start)
            results[name] = calls[name]()
        except BaseException as exc:  # reported by the caller's assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name,)) for name in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    return results


@pytest.mark.django_db(transaction=True)
def test_acknowledging_while_a_step_runs_stops_every_later_step(cast, broker):
    """Ack and step race in two threads (own connections), many times, each side given a head
    start of 0, 2 or 20 ms in turn. Whichever wins, nothing is sent after the acknowledgement,
    nobody gets an error, and later sweeps find nothing to do."""
    errors: list[BaseException] = []
    ran_step: list[bool] = []
    heads = [("ack", 0.0), ("step", 0.0), ("ack", 0.002), ("step", 0.002)]
    heads += [("ack", 0.02), ("step", 0.02)]
    for round_ in range(24):
        first, head_start = heads[round_ % len(heads)]
        escalation = start(cast, source=f"incident:{round_}")
        advance_escalation(escalation_id=escalation.pk)  # step 0
        make_due(escalation)  # step 1 is due right now
        results = race(cast, escalation, first, head_start, errors)
        assert not errors, errors
        # The beat keeps ticking afterwards, with the clock moved on: nothing more happens.
        make_due(escalation)
        advance_due_escalations()
        advance_escalation(escalation_id=escalation.pk)

        assert results["ack"] is True
        stepped = str(results["step"]).startswith("step 2")
        ran_step.append(stepped)
        escalation.refresh_from_db()
        assert escalation.status == EscalationStatus.ACKNOWLEDGED
        expected = [("started", None), ("step", 0)]
        expected += [("step", 1)] if stepped else []
        assert log(escalation) == [*expected, ("acknowledged", None)]
        assert set(steps_sent(escalation)) == ({0, 1} if stepped else {0})
    # Both orders really happened: some steps won the race, some acknowledgements did.
    assert any(ran_step) and not all(ran_step), ran_step


@pytest.mark.django_db(transaction=True)
def test_a_worker_restart_between_steps_changes_nothing(cast, broker, start_worker):
    worker = start_worker(broker.url)
    with transaction.atomic():
        escalation = start(cast)  # step 0 is handed to the worker on commit
    assert wait_for(lambda: sent(escalation, 0) == leaders(cast), 20), worker.output()
    worker.stop()  # a deploy restarts the worker between steps
    replacement = start_worker(broker.url)
    # A beat tick before step 1 is due, and a redelivered copy of the first task: no-ops.
    queue.publish(advance_escalations)
    from notifications.tasks import advance_escalation as advance_task

    queue.publish(advance_task, escalation.pk)
    assert wait_for(lambda: Heartbeat.objects.filter(name="escalations").exists(), 20)
    time.sleep(0.3)  # the redelivered copy was published after the tick; let it run
    assert steps_sent(escalation) == {0: leaders(cast)}
    make_due(escalation)
    queue.publish(advance_escalations)
    assert wait_for(lambda: sent(escalation, 1) == {cast.principal.user_id}, 20), (
        replacement.output()
    )
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACTIVE
    assert escalation.next_step == 2 and escalation.fence == 2
    assert escalation.next_due_at - timezone.now() > timedelta(minutes=9, seconds=50)
    assert steps_sent(escalation) == {0: leaders(cast), 1: {cast.principal.user_id}}
    assert log(escalation) == [("started", None), ("step", 0), ("step", 1)]


@pytest.mark.django_db
def test_editing_the_steps_after_start_does_not_change_the_running_escalation(cast, broker):
    policy = [dict(step, roles=list(step["roles"])) for step in STEPS]
    escalation = start(cast, steps=policy)
    advance_due_escalations()
    # The school edits its policy: step 2 now goes to teachers at once, and a step is added.
    policy[1]["roles"] = ["teacher"]
    policy[1]["wait_minutes"] = 0
    policy.append({"roles": ["guard"], "wait_minutes": 0})
    make_due(escalation)
    advance_due_escalations()
    make_due(escalation)
    advance_due_escalations()
    escalation.refresh_from_db()
    assert escalation.steps == SNAPSHOT
    assert escalation.status == EscalationStatus.FINISHED
    assert steps_sent(escalation) == {
        0: leaders(cast),
        1: {cast.principal.user_id},
        2: {cast.official.user_id},
    }
    assert not Notice.objects.filter(recipient__in=[cast.teacher.user, cast.guard.user])


@pytest.mark.django_db(transaction=True)
def test_starting_the_same_source_twice_is_one_escalation(cast, broker):
    import redis

    with transaction.atomic():
        first = start(cast)
    with transaction.atomic():
        again = start(cast, steps=[{"roles": ["teacher"], "wait_minutes": 1}])
    assert again.pk == first.pk
    again.refresh_from_db()
    assert again.steps == SNAPSHOT and Escalation.objects.count() == 1
    # One task was handed to the broker, for the first start only.
    assert redis.Redis.from_url(broker.url).llen("celery") == 1
    advance_escalation(escalation_id=first.pk)
    advance_escalation(escalation_id=first.pk)  # the task delivered twice
    assert steps_sent(first) == {0: leaders(cast)}
    assert log(first) == [("started", None), ("step", 0)]
