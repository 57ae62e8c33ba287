"""Delivery under faults: real Redis servers, real prefork workers, SIGKILL and restarts.

Each test that needs a broker gets its own redis-server (no persistence) and its own workers,
so it can stop, restart or kill them without touching the session's Redis or worker. A local
HTTP server stands in for a school's webhook receiver and records every request it sees.

What "exactly once" means here: the sender is at-least-once, and every request carries the
notice's idempotency key (JSON "id" and the ``Idempotency-Key`` header). A notice is delivered
exactly once when the receiver, after deduplicating by that key, has it exactly once. A raw
duplicate (the same key received twice) is allowed only for a notice whose audit trail shows an
interrupted attempt: a DeliveryAttempt left "started" with no finish time, i.e. its sender died
during the external call and nobody can know whether the receiver got it.

The clock is controlled where the design waits minutes (retry backoff, the 2-minute claim
lease): the test moves ``due_at`` / ``claimed_until`` into the past instead of sleeping.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from dutyschool import queue
from notifications import services
from notifications.models import (
    AttemptOutcome,
    ChannelConfig,
    DeliveryAttempt,
    Notice,
    NoticeStatus,
)
from notifications.tasks import sweep_notices

pytestmark = pytest.mark.slow


class Hook:
    """A local receiving server: answers ``status`` after ``delay`` seconds and records the
    Idempotency-Key of every request it received, including requests whose sender died."""

    def __init__(self, *, delay: float = 0.0, status: int = 200):
        self.delay = delay
        self.status = status
        self.keys: list[str] = []
        self.in_flight = 0
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                # The generic webhook sends the key twice; chat robots (WeCom) send none.
                key = self.headers.get("Idempotency-Key") or "(no key)"
                with hook.lock:
                    hook.keys.append(key if key == payload.get("id", key) else f"MISMATCH:{key}")
                    hook.in_flight += 1
                try:
                    time.sleep(hook.delay)
                    self.send_response(hook.status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"errcode": 0}')  # also a WeCom robot's "ok"
                except OSError:
                    pass  # the sender was killed while we slept
                finally:
                    with hook.lock:
                        hook.in_flight -= 1

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def counts(self) -> Counter:
        with self.lock:
            return Counter(self.keys)

    def received(self) -> int:
        with self.lock:
            return len(self.keys)


@pytest.fixture
def hooks():
    made: list[Hook] = []

    def make(**kwargs) -> Hook:
        made.append(Hook(**kwargs))
        return made[-1]

    yield make
    for hook in made:
        hook.server.shutdown()
        hook.server.server_close()


def configure(cast, hook: Hook, kind: str = "webhook") -> None:
    ChannelConfig.objects.create(
        school=cast.school, kind=kind, config={"url": hook.url, "timeout": 10}
    )


def publish(cast, event: str, channel: str = "webhook", **extra) -> Notice:
    return services.publish_notice(
        school_id=cast.school.pk,
        recipient_id=cast.teacher.user_id,
        event=event,
        channel=channel,
        subject=f"提醒 {event}",
        body="您明天 08:00 白班值班。",
        **extra,
    )


def publish_batch(cast, count: int, prefix: str, **extra) -> list[Notice]:
    """``count`` webhook notices in one committed transaction (fast-path tasks on commit)."""
    with transaction.atomic():
        return [publish(cast, f"{prefix}:{n}", **extra) for n in range(count)]


def wait_for(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def all_sent() -> bool:
    return not Notice.objects.exclude(status=NoticeStatus.SENT).exists()


def settled(hook: Hook, quiet: float = 1.0, timeout: float = 30) -> bool:
    """Wait until nothing is happening: no request in flight, nothing pending and due, and the
    rows' states unchanged for ``quiet`` seconds. What is still "sending" then has no live
    sender (a live one finishes a 0.3 s call well within ``quiet``)."""

    def snapshot():
        return (
            hook.received(),
            tuple(Notice.objects.order_by("pk").values_list("status", "claim_token")),
        )

    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = snapshot()
        busy = hook.in_flight or Notice.objects.filter(status=NoticeStatus.PENDING).exists()
        if busy or now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return True
        time.sleep(0.1)
    return False


def expire_leases() -> int:
    """The controlled clock jumps past the claim lease of every notice still being sent."""
    return Notice.objects.filter(status=NoticeStatus.SENDING).update(
        claimed_until=F("claimed_until") - services.LEASE - timedelta(seconds=1)
    )


def interrupted_keys() -> Counter:
    """Notice key → number of attempts whose sender never finished them."""
    return Counter(
        DeliveryAttempt.objects.filter(
            outcome=AttemptOutcome.STARTED, finished_at__isnull=True
        ).values_list("notice__key", flat=True)
    )


def assert_exactly_once(hook: Hook) -> None:
    """Every notice SENT, received at least once, exactly once after deduplication by key, and
    received more than once only as often as it has interrupted attempts."""
    keys = set(Notice.objects.values_list("key", flat=True))
    counts = hook.counts()
    assert set(counts) == keys, "the receiver got exactly the published notices, by key"
    assert all_sent(), list(Notice.objects.exclude(status=NoticeStatus.SENT).values())
    interrupted = interrupted_keys()
    for key, received in counts.items():
        assert received == 1 + interrupted[key], (key, received, interrupted[key])
    ok = Counter(
        DeliveryAttempt.objects.filter(outcome=AttemptOutcome.OK).values_list(
            "notice__key", flat=True
        )
    )
    assert ok == Counter(keys), "one successful attempt per notice"


class Sweeper:
    """A beat stand-in: publishes ``sweep_notices`` every ``interval`` seconds through the
    broker, so a worker runs the sweep (a publish that fails is logged and skipped, as a beat
    tick against a dead Redis would be)."""

    def __init__(self, interval: float):
        self.interval = interval
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stopped.is_set():
            queue.publish(sweep_notices)
            self.stopped.wait(self.interval)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_a_pool_process_killed_mid_send_loses_nothing_and_duplicates_only_what_it_cut(
    cast, hooks, redis_server, start_worker, use_broker
):
    hook = hooks(delay=0.3)
    configure(cast, hook)
    worker = start_worker(redis_server.url)
    use_broker(redis_server.url)
    publish_batch(cast, 30, "reminder")
    # Both pool processes are inside a call to the receiver: kill one of them there.
    assert wait_for(lambda: hook.in_flight == 2 and hook.received() >= 4, 30), worker.output()
    victim = worker.kill_child()
    # SIGKILL is delivered asynchronously: wait for the victim to be gone and replaced.
    refilled = lambda: victim not in (kids := worker.pool_children()) and len(kids) == 2  # noqa: E731
    assert wait_for(refilled, 15), "the pool was not refilled"
    assert settled(hook), worker.output()
    # The notice the victim was sending keeps its claim: its sender is dead, not slow.
    [stuck] = Notice.objects.filter(status=NoticeStatus.SENDING)
    assert interrupted_keys() == Counter({stuck.key: 1})
    # Two minutes later the lease runs out and a sweep sends it again, with the same key.
    assert expire_leases() == 1
    queue.publish(sweep_notices)
    assert wait_for(all_sent, 15), worker.output()
    assert_exactly_once(hook)
    assert {key for key, n in hook.counts().items() if n > 1} == {stuck.key}
    assert Notice.objects.count() == 30


@pytest.mark.django_db(transaction=True)
def test_a_whole_worker_killed_delays_pending_notices_by_one_sweep_only(
    cast, hooks, redis_server, start_worker, use_broker
):
    visibility, sweep = 5, 2.0
    hook = hooks(delay=0.3)
    configure(cast, hook)
    worker = start_worker(redis_server.url, CELERY_VISIBILITY_TIMEOUT=visibility)
    use_broker(redis_server.url)
    publish_batch(cast, 20, "reminder")
    assert wait_for(lambda: hook.in_flight == 2 and hook.received() >= 4, 30), worker.output()
    worker.kill_group()  # main process and pool at once: the host died
    time.sleep(0.5)  # let the receiver finish the requests that lost their sender
    in_flight = set(
        Notice.objects.filter(status=NoticeStatus.SENDING).values_list("key", flat=True)
    )
    pending = set(Notice.objects.filter(status=NoticeStatus.PENDING).values_list("key", flat=True))
    assert len(in_flight) == 2 and pending
    assert set(interrupted_keys()) == in_flight

    replacement = start_worker(redis_server.url, CELERY_VISIBILITY_TIMEOUT=visibility)
    ready = time.monotonic()
    with Sweeper(interval=sweep):
        # Bound: visibility timeout + one sweep, plus the time the receiver itself needs.
        bound = visibility + sweep + len(pending) * hook.delay / 2 + 3
        assert wait_for(
            lambda: (
                not Notice.objects.filter(key__in=pending)
                .exclude(status=NoticeStatus.SENT)
                .exists()
            ),
            bound,
        ), replacement.output()
        late = time.monotonic() - ready
        # The two cut-off sends wait for their claim lease (2 minutes, on the controlled
        # clock), then the next sweep sends them.
        assert Notice.objects.filter(key__in=in_flight, status=NoticeStatus.SENDING).count() == 2
        assert expire_leases() == 2
        assert wait_for(all_sent, sweep + 5), replacement.output()
    assert late < bound
    assert_exactly_once(hook)
    assert {key for key, n in hook.counts().items() if n > 1} == in_flight


@pytest.mark.django_db(transaction=True)
def test_a_redis_restart_without_persistence_loses_no_notice_and_sends_none_twice(
    cast, hooks, redis_server, start_worker, use_broker
):
    hook = hooks(delay=0.2)
    configure(cast, hook)
    worker = start_worker(redis_server.url)
    use_broker(redis_server.url)
    publish_batch(cast, 20, "reminder")
    assert wait_for(lambda: hook.received() >= 3, 30), worker.output()
    redis_server.stop()  # every queued task message is gone with it
    time.sleep(0.5)
    redis_server.start()
    # The sends under way finish (they need no Redis); the rest lost their task messages.
    assert wait_for(lambda: hook.in_flight == 0, 5)
    lost = Notice.objects.filter(status=NoticeStatus.PENDING).count()
    assert lost > 0
    with Sweeper(interval=1.0):
        assert wait_for(all_sent, 30), worker.output()
    assert interrupted_keys() == Counter()
    assert_exactly_once(hook)
    assert max(hook.counts().values()) == 1


@pytest.mark.django_db(transaction=True)
def test_publishing_while_redis_is_down_commits_and_sends_after_it_returns(
    cast, hooks, redis_server, start_worker, use_broker
):
    hook = hooks()
    configure(cast, hook)
    worker = start_worker(redis_server.url)
    use_broker(redis_server.url)
    redis_server.stop()
    started = time.monotonic()
    with transaction.atomic():  # the user's request: no exception may reach it
        notice = publish(cast, "incident:1")
    assert time.monotonic() - started < 5, "publishing must not hang on a dead broker"
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.PENDING
    redis_server.start()
    with Sweeper(interval=1.0):
        assert wait_for(all_sent, 30), worker.output()
    assert hook.counts() == Counter({notice.key: 1})
    assert_exactly_once(hook)


def deliver_due_now() -> None:
    """One sweep in this process, as a beat tick plus a worker would run it."""
    for notice_id, token in services.claim_due_notices():
        services.deliver_claimed_notice(notice_id=notice_id, token=token)


@pytest.mark.django_db
def test_a_channel_answering_500_backs_off_then_fails_while_another_channel_delivers(cast, hooks):
    broken, working = hooks(status=500), hooks()
    configure(cast, broken, "webhook")
    configure(cast, working, "wecom")
    soon = timezone.now() + timedelta(minutes=1)
    bad = publish(cast, "incident:7", channel="webhook", due_at=soon)
    good = publish(cast, "incident:7", channel="wecom", due_at=soon)
    waits = []
    for _ in range(services.MAX_ATTEMPTS + 2):  # two rounds more than the limit allows
        # The controlled clock: whatever is waiting becomes due now.
        Notice.objects.filter(status=NoticeStatus.PENDING).update(due_at=timezone.now())
        deliver_due_now()
        bad.refresh_from_db()
        if bad.status == NoticeStatus.PENDING:
            waits.append((bad.due_at - timezone.now()).total_seconds())
    bad.refresh_from_db()
    good.refresh_from_db()
    assert good.status == NoticeStatus.SENT
    assert working.received() == 1
    assert bad.status == NoticeStatus.FAILED
    assert bad.attempts == services.MAX_ATTEMPTS
    assert "HTTP 500" in bad.last_error
    assert broken.counts() == Counter({bad.key: services.MAX_ATTEMPTS})
    outcomes = list(DeliveryAttempt.objects.filter(notice=bad).values_list("outcome", flat=True))
    assert outcomes == ["retry"] * (services.MAX_ATTEMPTS - 1) + ["failed"]
    # The waits grow as the schedule says: 1 min, 5 min, 15 min, 1 h, 3 h.
    assert len(waits) == services.MAX_ATTEMPTS - 1
    for wait, planned in zip(waits, services.BACKOFF, strict=True):
        assert planned - 10 < wait <= planned


@pytest.mark.django_db(transaction=True)
def test_two_beat_sweepers_running_concurrently_send_nothing_twice(
    cast, hooks, redis_server, start_worker, use_broker
):
    hook = hooks(delay=0.02)
    configure(cast, hook)
    worker = start_worker(redis_server.url)
    use_broker(redis_server.url)
    later = timezone.now() + timedelta(hours=1)
    publish_batch(cast, 80, "reminder", due_at=later)  # no fast-path tasks: the sweeps send
    Notice.objects.update(due_at=timezone.now())
    # A quarter were claimed by senders that died: their leases have run out.
    dead = Notice.objects.filter(event__regex=r":(1?\d)$")  # reminder:0 … reminder:19
    dead.update(
        status=NoticeStatus.SENDING,
        claim_token="dead-sender",
        claimed_until=timezone.now() - timedelta(seconds=1),
    )
    barrier = threading.Barrier(2)
    claimed = [0, 0]
    errors: list[BaseException] = []

    def beat(slot: int) -> None:
        try:
            barrier.wait()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not all_sent():
                result = sweep_notices()  # the sweep body in this process: claim, publish
                claimed[slot] += int(result.split()[-1])
                time.sleep(0.01)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=40)
    assert not errors, errors
    assert all_sent(), worker.output()
    # Every notice was claimed exactly once across both sweepers, and sent once.
    assert sum(claimed) == 80, claimed
    assert_exactly_once(hook)
    assert max(hook.counts().values()) == 1
    assert not DeliveryAttempt.objects.values("notice").annotate(n=Count("pk")).filter(n__gt=1)
    assert not Notice.objects.filter(~Q(claim_token=""))
