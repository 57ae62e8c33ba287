"""Incident escalation latency through the real broker: how soon after an incident is saved its
first escalation notice is delivered, and how late a timed step runs after its due time.

    .venv/bin/python benchmarks/incident_escalation.py [--incidents 200] [--gap 0.1] [--sweep 15]

One command, no servers needed beforehand: it starts a throwaway PostgreSQL and Redis the way
the test command does (``scripts/testservers.py``'s ``Servers``), migrates a fresh database,
makes a school with a staffed shift on duty now, starts one Celery worker (2 prefork
processes) and, in this process, a beat stand-in that publishes ``advance_escalations`` every
``--sweep`` seconds (the production ESCALATION_SECONDS default is 15).

First notice: ``--incidents`` severity-IV incidents are reported one after another, ``--gap``
seconds apart, through ``report_incident`` (the same service the report page calls); the clock
starts when the call begins and stops at the first notice's ``sent_at`` (set by the worker once
delivered). The first step is handed to the worker on commit.

Step lateness: the second step (the principal, 5 minutes after the first without an
acknowledgement) is made due at times spread evenly over the next ``--spread`` seconds (the
controlled clock); lateness = the principal's notice ``sent_at`` − that due time. It can only
be picked up by the beat tick, so it is bounded by the sweeper interval plus the delivery —
as long as a tick's steps fit in one ``advance_due_escalations`` call (50 steps). The default
spread (200 steps over 120 s, about 25 per 15 s tick) stays within that; ``--spread 30`` (a
burst of ~100 steps per tick) shows the backlog the limit causes.

Targets: first notice p99 < 2 s; step lateness p99 < sweeper interval + 5 s. The last line
printed is one JSON object:
{"incidents", "first_notice_p50_s", "first_notice_p99_s", "step_late_p99_s",
 "sweeper_interval_s"}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from testservers import Servers  # noqa: E402 - the path is set just above


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def setup_school():
    from datetime import timedelta

    from django.utils import timezone

    from logbook.tests.factories import make_roster, put_on_duty
    from staff.models import Bureau, Role
    from staff.tests.factories import make_official, make_school, make_staff

    bureau = Bureau.objects.create(name="基准区教育局")
    school = make_school("基准小学", bureau)
    leader = make_staff(school, Role.LEADER, username="bench-leader")
    principal = make_staff(school, Role.PRINCIPAL, username="bench-principal")
    teacher = make_staff(school, Role.TEACHER, username="bench-teacher")
    make_official(bureau, username="bench-bureau")
    now = timezone.now()
    roster = make_roster(school, start=timezone.localdate(now) - timedelta(days=1), days=3)
    shift = roster.shifts.get(starts_at__lte=now, ends_at__gt=now)
    put_on_duty(shift, (leader, Role.LEADER), (teacher, Role.TEACHER))
    return teacher, leader, principal


def start_worker(servers, loglevel: str):
    log = servers.tmp / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "dutyschool", "worker", "-P", "prefork",
             "-c", "2", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-l", loglevel, "-n", "bench@%h"],
            env=dict(os.environ), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text(errors="replace"):
        if worker.poll() is not None or time.monotonic() > deadline:
            print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
            raise SystemExit(1)
        time.sleep(0.1)
    return worker, log


def first_sent(escalation_ids: dict[int, int], step: int) -> dict[int, float]:
    """escalation id → the earliest sent_at (epoch seconds) of its notices for ``step``."""
    from notifications.models import Notice, NoticeStatus

    keys = {f"escalation:{pk}:step:{step}": pk for pk in escalation_ids.values()}
    sent: dict[int, float] = {}
    for event, at in Notice.objects.filter(
        event__in=list(keys), status=NoticeStatus.SENT
    ).values_list("event", "sent_at"):
        pk = keys[event]
        sent[pk] = min(sent.get(pk, at.timestamp()), at.timestamp())
    return sent


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--gap", type=float, default=0.1, help="seconds between reports")
    parser.add_argument("--sweep", type=float, default=15.0, help="beat interval (seconds)")
    parser.add_argument("--spread", type=float, default=120.0, help="step due times spread")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--loglevel", default="info", help="the worker's log level")
    args = parser.parse_args()

    servers = Servers()
    worker = None
    try:
        os.environ["DATABASE_URL"] = servers.start_postgres()
        os.environ["REDIS_URL"] = os.environ["CELERY_BROKER_URL"] = servers.start_redis()
        os.environ.setdefault("SECRET_KEY", "benchmark-secret-key-not-for-production-0123456789")
        os.environ.setdefault("VISITOR_ID_KEYS", "YmVuY2htYXJrLXZpc2l0b3ItaWQta2V5LW9ubHktMDE=")
        os.environ.setdefault("VISITOR_LOOKUP_KEY", "benchmark-visitor-lookup-key-only-0123456789")
        os.environ.update(DEBUG="0", HTTPS="0", DUTYSCHOOL_VAR_DIR=str(servers.tmp / "var"))
        os.environ["DJANGO_SETTINGS_MODULE"] = "dutyschool.settings"
        import django

        django.setup()
        from datetime import timedelta

        from django.core.management import call_command
        from django.utils import timezone

        from dutyschool import queue
        from incidents.services.incident import report_incident
        from notifications.models import Escalation
        from notifications.tasks import advance_escalations

        call_command("migrate", verbosity=0)
        teacher, _leader, _principal = setup_school()
        worker, log = start_worker(servers, args.loglevel)

        # Beat stand-in: the periodic advance task every --sweep seconds.
        stop = threading.Event()

        def beat():
            while not stop.wait(args.sweep):
                queue.publish(advance_escalations)

        threading.Thread(target=beat, daemon=True).start()

        # One uncounted incident first: each pool process's first task pays for lazy imports
        # and connections, which is start-up cost, not escalation latency.
        report_incident(
            reporter=teacher, category="accident", subcategory="fire", severity="3",
            occurred_at=timezone.now() - timedelta(minutes=1), location="预热", summary="预热",
        )  # fmt: skip
        time.sleep(3)

        started: dict[int, float] = {}  # incident id → when report_incident was called
        escalations: dict[int, int] = {}  # incident id → its escalation id
        for n in range(args.incidents):
            t0 = time.time()
            incident = report_incident(
                reporter=teacher, category="accident", subcategory="fire", severity="4",
                occurred_at=timezone.now() - timedelta(minutes=1), location=f"教学楼 {n}",
                summary="烟雾报警",
            )  # fmt: skip
            started[incident.pk] = t0
            time.sleep(args.gap)
        escalations = dict(
            Escalation.objects.filter(incident_link__incident__in=list(started)).values_list(
                "incident_link__incident_id", "pk"
            )
        )
        ok = wait_until(lambda: len(first_sent(escalations, 0)) == len(escalations), args.timeout)
        sent0 = first_sent(escalations, 0)
        first = [sent0[escalations[i]] - t0 for i, t0 in started.items() if escalations[i] in sent0]

        # The controlled clock: each second step comes due at a time spread over --spread s.
        base = timezone.now() + timedelta(seconds=1)
        due: dict[int, float] = {}
        step = args.spread / max(1, len(escalations))
        for n, pk in enumerate(sorted(escalations.values())):
            at = base + timedelta(seconds=n * step)
            Escalation.objects.filter(pk=pk).update(next_due_at=at)
            due[pk] = at.timestamp()
        ok = ok and wait_until(
            lambda: len(first_sent(escalations, 1)) == len(escalations),
            args.spread + args.sweep + args.timeout,
        )
        sent1 = first_sent(escalations, 1)
        late = [sent1[pk] - due[pk] for pk in due if pk in sent1]
        stop.set()

        result = {
            "incidents": len(first),
            "first_notice_p50_s": round(percentile(first, 0.50), 3),
            "first_notice_p99_s": round(percentile(first, 0.99), 3),
            "step_late_p99_s": round(percentile(late, 0.99), 3),
            "sweeper_interval_s": args.sweep,
        }
        print(
            f"{len(first)}/{args.incidents} first notices delivered: p50 "
            f"{result['first_notice_p50_s']} s, p99 {result['first_notice_p99_s']} s, max "
            f"{max(first, default=0):.3f} s; {len(late)} timed steps: lateness p50 "
            f"{percentile(late, 0.5):.2f} s, p99 {result['step_late_p99_s']} s, max "
            f"{max(late, default=0):.2f} s (beat every {args.sweep:g} s); on {os.cpu_count()} "
            "CPUs",
            file=sys.stderr,
        )
        if not ok:
            print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
        print(json.dumps(result))
        return 0 if ok else 1
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, 9)
            worker.wait()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may never have been set up
            pass
        servers.stop()


if __name__ == "__main__":
    sys.exit(main())
