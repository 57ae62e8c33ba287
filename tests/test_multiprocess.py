"""Multi-process proof (docs/deploy.md): two web processes, two workers and one beat, each
started from its systemd unit's command line, on one PostgreSQL and one Redis. The journeys
run through both web processes (a session started on one continues on the other), and every
notice they cause reaches the receiving server exactly once."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import Counter
from datetime import time as dt_time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from staff.models import Role
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


def journey_setup(cast):
    """Data an office would have entered: a published roster with the leader, teacher and guard
    on the shift running now, and a draft roster (one day, one shift needing one teacher)
    three days ahead for the admin to finish and publish."""
    from incidents.tests.factories_incident import shift_now
    from roster import services
    from roster.models import ShiftRequirement, ShiftType

    shift = shift_now(cast)
    types = ShiftType.objects.filter(school=cast.school, active=True)
    kept = list(types.values_list("pk", flat=True))
    types.update(active=False)
    extra = ShiftType.objects.create(
        school=cast.school, name="周末值班", start_time=dt_time(9), duration_minutes=480,
        day_kinds=["school_day", "weekend", "holiday", "vacation"],
    )  # fmt: skip
    ShiftRequirement.objects.create(shift_type=extra, role=Role.TEACHER, count=1)
    day = timezone.localdate() + timedelta(days=3)
    draft = services.create_roster(
        school=cast.school, name="加班表", start=day, end=day, actor=None
    )
    ShiftType.objects.filter(pk__in=kept).update(active=True)
    return shift, draft


def test_journeys_through_two_web_processes_send_every_notice_once(cast, receiver, stack):
    from incidents.models import Incident
    from notifications.models import (
        AttemptOutcome,
        ChannelConfig,
        DeliveryAttempt,
        Escalation,
        EscalationStatus,
        Notice,
        NoticeStatus,
        Preference,
    )
    from roster.models import Assignment, RosterStatus

    started = time.monotonic()
    (web_a, web_b), processes = stack
    ChannelConfig.objects.create(school=cast.school, kind="webhook", config={"url": receiver.url})
    for member in (cast.admin, cast.principal, cast.leader, cast.teacher, cast.guard):
        Preference.objects.update_or_create(
            user=member.user, defaults={"channels": ["inapp", "webhook"]}
        )
    shift, draft = journey_setup(cast)
    before_keys = set(Notice.objects.values_list("key", flat=True))  # the set-up's

    # The session made on one process is honoured by the other (shared database sessions).
    probe = Browserish(web_a)
    probe.login("a-teacher", PASSWORD)
    assert probe.use(web_b).get("/notifications/")[0] == 200

    # (1) The admin finishes the draft in the editor (htmx) and publishes it with a reason.
    admin = Browserish(web_a, web_b)
    admin.login("a-admin", PASSWORD)
    status, page, _ = admin.get(f"/roster/{draft.pk}/")
    assert status == 200, page[:500]
    empty = draft.shifts.get()
    status, picker, _ = admin.get(
        f"/roster/{draft.pk}/shifts/{empty.pk}/candidates/?role=teacher", hx=True
    )
    assert status == 200 and f'name="staff" value="{cast.teacher.pk}"' in picker, picker[:800]
    status, editor, _ = admin.post(
        f"/roster/{draft.pk}/shifts/{empty.pk}/assign/",
        {"staff": cast.teacher.pk, "role": "teacher"},
        hx=True,
    )
    assert status == 200 and 'id="editor"' in editor, editor[:800]
    assert Assignment.objects.filter(shift=empty, staff=cast.teacher).exists()
    status, _body, headers = admin.post(
        f"/roster/{draft.pk}/publish/",
        {"reason": "周末加班，临时安排", "calendar_checked": "1"},  # the cast has no terms
    )
    assert status == 302 and headers["Location"] == f"/roster/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == RosterStatus.PUBLISHED

    # (2) The teacher opens the log from the "on duty now" page, autosaves, then submits.
    teacher = Browserish(web_b, web_a)
    teacher.login("a-teacher", PASSWORD)
    status, now_page, _ = teacher.get("/logbook/now/")
    open_url = f"/logbook/shifts/{shift.pk}/log/"
    assert status == 200 and open_url in now_page, now_page[:800]
    status, _body, headers = teacher.post(open_url)
    assert status == 302, _body[:500]
    log_url = headers["Location"]
    status, log_page, _ = teacher.get(log_url)
    version = re.search(r'id="log-version" value="(\d+)"', log_page)
    assert status == 200 and version, log_page[:800]
    status, saved, _ = teacher.post(
        f"{log_url}autosave/",
        {"activities": "升旗仪式，课间巡查正常。", "version": version.group(1)},
        hx=True,
    )
    assert status == 200 and 'id="log-version" value="' in saved, saved[:800]
    new_version = re.search(r'id="log-version" value="(\d+)"', saved).group(1)
    assert int(new_version) == int(version.group(1)) + 1
    status, _body, headers = teacher.post(
        f"{log_url}submit/",
        {"weather": "晴", "activities": "升旗仪式，课间巡查正常。", "summary": "一切正常",
         "version": new_version},
    )  # fmt: skip
    assert status == 302, _body[:800]
    status, log_page, _ = teacher.get(log_url)
    assert 'id="log-readonly"' in log_page and "升旗仪式，课间巡查正常。" in log_page

    # (3) The teacher reports a fire; nobody acknowledges, so it escalates to the principal,
    # who acknowledges it.
    when = timezone.localtime() - timedelta(minutes=3)
    status, _body, headers = teacher.post(
        "/incidents/report/",
        {"category": "accident", "subcategory": "fire", "severity": "4",
         "occurred_at": when.strftime("%Y-%m-%dT%H:%M"), "location": "教学楼三楼",
         "summary": "三楼烟雾报警，已疏散学生"},
    )  # fmt: skip
    assert status == 302, _body[:800]
    incident = Incident.objects.get(school=cast.school)
    assert headers["Location"] == f"/incidents/{incident.pk}/"
    escalation = Escalation.objects.get(source=f"incident:{incident.pk}")

    def told(user) -> bool:
        return Notice.objects.filter(
            recipient=user, event__startswith=f"escalation:{escalation.pk}:step:"
        ).exists()

    wait_until(lambda: told(cast.leader.user), 30, "the duty leader was not told")
    # Five minutes pass without an acknowledgement (the due time is a row: move it).
    Escalation.objects.filter(pk=escalation.pk).update(
        next_due_at=timezone.now() - timedelta(seconds=1)
    )
    wait_until(lambda: told(cast.principal.user), 30, "beat did not escalate to the principal")
    principal = Browserish(web_a, web_b)
    principal.login("a-principal", PASSWORD)
    status, detail, _ = principal.get(f"/incidents/{incident.pk}/")
    assert status == 200 and f"/incidents/{incident.pk}/acknowledge/" in detail
    status, _body, _ = principal.post(f"/incidents/{incident.pk}/acknowledge/")
    assert status == 302, _body[:500]
    incident.refresh_from_db()
    assert (incident.status, incident.acknowledged_by_id) == (
        "acknowledged",
        cast.principal.user_id,
    )
    escalation.refresh_from_db()  # the principal was its last step: nothing more is due
    assert escalation.status != EscalationStatus.ACTIVE

    # Every browser used both web processes.
    for browser in (admin, teacher, principal):
        assert set(browser.served) == {web_a, web_b}, browser.served

    # Every notice due by now — the journeys' and the set-up's ("you are on duty") — is
    # delivered exactly once; the reminders of the newly published duty (due days ahead) wait.
    cutoff = timezone.now()
    due = Notice.objects.filter(due_at__lte=cutoff)

    def unsent() -> list:
        return list(due.exclude(status=NoticeStatus.SENT).values("event", "channel", "status"))

    wait_until(lambda: not unsent(), 60, f"notices left unsent: {unsent()}")
    webhook = due.filter(channel="webhook")
    wait_until(lambda: sum(receiver.keys.values()) >= webhook.count(), 30, "webhooks missing")
    time.sleep(3)  # a late duplicate would arrive within a sweep or two
    rows = list(due.values("key", "event", "recipient_id", "channel"))
    assert len({r["key"] for r in rows}) == len(rows)
    assert max(Counter((r["event"], r["recipient_id"], r["channel"]) for r in rows).values()) == 1
    # The journeys' notices, on each channel (in-app and webhook): the teacher about the
    # published roster, the duty leader (escalation step 1) and the principal (step 2) about
    # the incident — no more, no fewer.
    expected = Counter(
        (user_id, kind, channel)
        for user_id, kind in (
            (cast.teacher.user_id, "roster.published"),
            (cast.leader.user_id, "escalation"),
            (cast.principal.user_id, "escalation"),
        )
        for channel in ("inapp", "webhook")
    )
    ours = [r for r in rows if r["key"] not in before_keys]
    got = Counter((r["recipient_id"], r["event"].split(":")[0], r["channel"]) for r in ours)
    assert got == expected, sorted((r["event"], r["recipient_id"], r["channel"]) for r in ours)
    later = Notice.objects.filter(due_at__gt=cutoff)
    assert later.exists()  # the reminders of the published duty
    assert not later.exclude(status=NoticeStatus.PENDING, attempts=0).exists()
    # The webhook receiver saw each due webhook notice's key exactly once, and nothing else.
    assert set(receiver.keys) == set(webhook.values_list("key", flat=True))
    assert max(receiver.keys.values()) == 1, receiver.keys
    # External deliveries: one successful attempt each, no other attempt.
    assert set(webhook.values_list("attempts", flat=True)) == {1}
    attempts = DeliveryAttempt.objects.filter(notice__in=webhook)
    assert attempts.count() == webhook.count()
    assert set(attempts.values_list("outcome", flat=True)) == {AttemptOutcome.OK}
    # In-app: the inbox row is the delivery (sent when written, no outside call).
    inbox = due.filter(channel="inapp")
    assert not inbox.filter(sent_at__isnull=True).exists()
    assert not DeliveryAttempt.objects.filter(notice__in=inbox).exists()
    assert all(p.proc.poll() is None for p in processes), "a process died"
    assert json.loads(Browserish(web_a).get("/readyz")[1])["checks"]["database"]["ok"]
    assert time.monotonic() - started < 120
