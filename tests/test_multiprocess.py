"""Multi-process proof (docs/deploy.md): two web processes, two workers and one beat, each
started from its systemd unit's command line, on one PostgreSQL and one Redis. The journeys
run through both web processes (a session started on one continues on the other), and every
notice they cause reaches the receiving server exactly once."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from staff.tests.factories import PASSWORD
from tests.stack import Browserish, Process, example_env, exec_start, free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class Receiver:
    """Counts webhook deliveries by idempotency key."""

    def __init__(self):
        self.keys: Counter[str] = Counter()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.keys[self.headers.get("Idempotency-Key", "")] += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def stack(tmp_path):
    from conftest import _test_database_url

    env = {
        **os.environ,
        **{k: v for k, v in example_env().items() if k.startswith(("WEB_", "WORKER_"))},
        "DATABASE_URL": _test_database_url(),
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "2",
        "WORKER_CONCURRENCY": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SWEEP_SECONDS": "2",
        "ESCALATION_SECONDS": "2",
        "HEARTBEAT_SECONDS": "5",
        "AUDIT_SECONDS": "5",
    }
    processes: list[Process] = []
    webs = []
    try:
        for name in ("web-a", "web-b"):
            port = free_port()
            command = exec_start("dutyschool-web.service", {**env, "WEB_BIND": f"127.0.0.1:{port}"})
            processes.append(Process(name, command, env, tmp_path / f"{name}.log"))
            webs.append(f"http://127.0.0.1:{port}")
        for name in ("a", "b"):
            command = exec_start("dutyschool-worker.service", env, host=name)
            processes.append(
                Process(f"worker-{name}", command, env, tmp_path / f"worker-{name}.log")
            )
        beat = exec_start("dutyschool-beat.service", env)
        beat[beat.index("-s") + 1] = str(tmp_path / "celerybeat-schedule")
        processes.append(Process("beat", beat, env, tmp_path / "beat.log"))
        for process, base in zip(processes[:2], webs, strict=True):
            process.wait_for_http(f"{base}/healthz")
        for process in processes[2:4]:
            process.wait_for_log(" ready.")
        yield webs, processes
    finally:
        for process in processes:
            process.stop()


def wait_until(predicate, timeout: float = 60.0, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(message or "timed out")
        time.sleep(0.3)


def test_journeys_through_two_web_processes_send_every_notice_once(cast, receiver, stack):
    from notifications.models import ChannelConfig, Notice, NoticeStatus, Preference

    (web_a, web_b), processes = stack
    ChannelConfig.objects.create(school=cast.school, kind="webhook", config={"url": receiver.url})
    for member in (cast.admin, cast.principal, cast.leader, cast.teacher, cast.guard):
        Preference.objects.update_or_create(
            user=member.user, defaults={"channels": ["inapp", "webhook"]}
        )

    teacher = Browserish(web_a)
    teacher.login("a-teacher", PASSWORD)
    # The session made on one process is honoured by the other (shared database sessions).
    status, body, _ = teacher.use(web_b).post("/notifications/preferences/test/")
    assert status == 302, body[:500]

    def all_sent() -> bool:
        pending = Notice.objects.exclude(status=NoticeStatus.SENT).count()
        return pending == 0 and Notice.objects.exists()

    wait_until(all_sent, message="notices left unsent")
    webhook = Notice.objects.filter(channel="webhook")
    assert webhook.exists()
    wait_until(lambda: sum(receiver.keys.values()) >= webhook.count())
    time.sleep(3)  # a late duplicate would arrive within a sweep or two
    assert set(receiver.keys) == set(webhook.values_list("key", flat=True))
    assert max(receiver.keys.values()) == 1, receiver.keys
    assert all(p.proc.poll() is None for p in processes), "a process died"
    assert json.loads(Browserish(web_a).get("/readyz")[1])["checks"]["database"]["ok"]
