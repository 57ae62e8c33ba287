"""The outbox: every notice that should go out goes out once, and nothing else does."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications import services
from notifications.models import ChannelConfig, DeliveryAttempt, Notice, NoticeStatus
from notifications.tasks import sweep_notices


class Receiver:
    """A local webhook endpoint answering scripted status codes and counting deliveries."""

    def __init__(self):
        self.statuses: list[int] = []
        self.bodies: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                with receiver.lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    if status == 200:
                        receiver.bodies.append(payload)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self) -> list[str]:
        with self.lock:
            return [body["subject"] for body in self.bodies]


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def hook(cast, receiver):
    ChannelConfig.objects.create(school=cast.school, kind="webhook", config={"url": receiver.url})
    return receiver


def publish(cast, event="duty.assigned:1", **extra):
    return services.publish_notice(
        school_id=cast.school.pk,
        recipient_id=cast.teacher.user_id,
        event=event,
        channel=extra.pop("channel", "webhook"),
        subject=extra.pop("subject", "明天值班提醒"),
        body="您明天 08:00 白班值班。",
        **extra,
    )


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def deliver_due_now():
    """Run one sweep in this process, as a beat tick would."""
    for notice_id, token in services.claim_due_notices():
        services.deliver_claimed_notice(notice_id=notice_id, token=token)


@pytest.mark.django_db(transaction=True)
def test_a_committed_notice_is_delivered_once_by_the_real_worker(cast, hook, celery_worker_process):
    with transaction.atomic():
        notice = publish(cast)
    assert wait_for(lambda: hook.delivered() == ["明天值班提醒"]), celery_worker_process.output()
    assert wait_for(lambda: Notice.objects.get(pk=notice.pk).status == NoticeStatus.SENT)
    sweep_notices.delay()  # a later sweep finds nothing left to send
    time.sleep(1)
    assert hook.delivered() == ["明天值班提醒"]
    attempt = DeliveryAttempt.objects.get(notice=notice)
    assert attempt.outcome == "ok" and attempt.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_writes_and_sends_nothing(cast, hook, celery_worker_process):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(cast)
        raise RuntimeError("the duty assignment failed")
    assert not Notice.objects.exists()
    deliver_due_now()
    assert hook.delivered() == []


@pytest.mark.django_db(transaction=True)
def test_a_notice_whose_hand_off_was_lost_is_sent_by_the_sweeper(cast, hook, celery_worker_process):
    # Due in a moment: no fast-path task is published for it, as if that message were lost.
    publish(cast, due_at=timezone.now() + timedelta(seconds=1))
    time.sleep(1.2)
    assert hook.delivered() == []
    sweep_notices.delay()
    assert wait_for(lambda: hook.delivered() == ["明天值班提醒"]), celery_worker_process.output()


@pytest.mark.django_db(transaction=True)
def test_five_concurrent_publishes_of_one_event_send_one_notice(cast, hook):
    barrier = threading.Barrier(5)

    def publish_in_own_transaction():
        barrier.wait()
        with transaction.atomic():
            publish(cast, due_at=timezone.now() + timedelta(hours=1))
        connection.close()

    threads = [threading.Thread(target=publish_in_own_transaction) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Notice.objects.count() == 1
    Notice.objects.update(due_at=timezone.now())
    deliver_due_now()
    deliver_due_now()
    assert hook.delivered() == ["明天值班提醒"]


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_never_claim_the_same_notice(cast, hook):
    for n in range(40):
        publish(cast, event=f"reminder:{n}", due_at=timezone.now() + timedelta(hours=1))
    Notice.objects.update(due_at=timezone.now())  # all due at once, no fast-path tasks queued
    claims: list[list[int]] = [[], []]

    def sweep(slot):
        claims[slot] = [pk for pk, _token in services.claim_due_notices(limit=25)]
        connection.close()

    threads = [threading.Thread(target=sweep, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not set(claims[0]) & set(claims[1])
    assert len(claims[0]) + len(claims[1]) == 40


@pytest.mark.django_db
def test_transient_failures_retry_with_backoff_until_delivered(cast, hook):
    hook.statuses = [503, 503, 200]
    notice = publish(cast, due_at=timezone.now() + timedelta(hours=1))
    dues = []
    for _ in range(3):
        Notice.objects.filter(pk=notice.pk).update(due_at=timezone.now())  # the clock jumps
        deliver_due_now()
        notice.refresh_from_db()
        dues.append(notice.due_at - timezone.now())
    assert notice.status == NoticeStatus.SENT
    assert hook.delivered() == ["明天值班提醒"]
    outcomes = list(DeliveryAttempt.objects.filter(notice=notice).values_list("outcome", flat=True))
    assert outcomes == ["retry", "retry", "ok"]
    # The waits grow: about a minute after the first failure, five after the second.
    assert timedelta(seconds=50) < dues[0] <= timedelta(seconds=60)
    assert timedelta(seconds=290) < dues[1] <= timedelta(seconds=300)


@pytest.mark.django_db
def test_a_permanent_failure_is_not_retried_and_an_admin_can_retry_it(cast, hook):
    hook.statuses = [400]
    notice = publish(cast)
    deliver_due_now()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED
    assert notice.attempts == 1
    assert notice.last_error
    deliver_due_now()
    assert DeliveryAttempt.objects.filter(notice=notice).count() == 1
    assert services.retry_failed_notice(notice_id=notice.pk)
    deliver_due_now()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert hook.delivered() == ["明天值班提醒"]


@pytest.mark.django_db
def test_a_sender_with_a_stale_claim_does_nothing(cast, hook):
    notice = publish(cast)
    old_token = services.claim_notice(notice_id=notice.pk)
    # The lease runs out (the first sender hung) and the sweeper claims it again.
    Notice.objects.filter(pk=notice.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    [(_, new_token)] = services.claim_due_notices()
    assert services.deliver_claimed_notice(notice_id=notice.pk, token=old_token) == "stale"
    assert services.deliver_claimed_notice(notice_id=notice.pk, token=new_token) == "sent"
    assert hook.delivered() == ["明天值班提醒"]


@pytest.mark.django_db
def test_a_channel_the_school_has_not_configured_fails_clearly(cast):
    notice = publish(cast, channel="dingtalk")
    deliver_due_now()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED
    assert "dingtalk" in notice.last_error


@pytest.mark.django_db
def test_an_in_app_notice_is_in_the_inbox_at_once_and_can_be_marked_read(cast):
    notice = publish(cast, channel="inapp")
    assert notice.status == NoticeStatus.SENT
    assert services.mark_read(user_id=cast.guard.user_id, notice_id=notice.pk) == 0
    assert services.mark_read(user_id=cast.teacher.user_id) == 1
