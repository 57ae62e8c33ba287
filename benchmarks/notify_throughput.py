"""Notification delivery throughput: how many webhook notices per second one worker sends, and
how late after their due time.

    .venv/bin/python benchmarks/notify_throughput.py [--count 10000] [--spread 40] [--sweep 0.2]

One command, no servers needed beforehand: it starts a throwaway PostgreSQL and Redis the way
the test command does (``scripts/testservers.py``'s ``Servers``), migrates a fresh database,
writes ``--count`` pending webhook notices whose due times are spread evenly over ``--spread``
seconds (0 = all due at once, a burst), starts one Celery worker with 2 prefork processes, and
runs a sweeper loop in this process: the body of the ``sweep_notices`` task (claim up to 50
due rows with SKIP LOCKED, publish one ``deliver_claimed_notice`` per row), called again at
once while it finds a full batch, else every ``--sweep`` seconds. A threaded HTTP server in
this process is the receiver; it records each request's Idempotency-Key and arrival time.

Lateness = arrival at the receiver − the notice's due time. Duplicates = requests beyond the
first per key (must be 0). Target on 2 cores: all 10,000 within 60 s, p99 lateness < 5 s.
The last line printed is one JSON object:
{"notices", "seconds", "per_second", "p50_late_s", "p99_late_s", "duplicates"}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from testservers import Servers  # noqa: E402 - the path is set just above


class Receiver:
    def __init__(self):
        self.arrivals: list[tuple[str, float]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                arrived = time.time()
                with receiver.lock:
                    receiver.arrivals.append((self.headers.get("Idempotency-Key", ""), arrived))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 128
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def unique(self) -> int:
        with self.lock:
            return len({key for key, _ in self.arrivals})


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def profile(count: int, base) -> int:
    """Where the time of one delivery goes, without Celery: claim and send in this process."""
    import cProfile
    import pstats

    from django.db import connection

    from notifications import services
    from notifications.models import Notice

    Notice.objects.update(due_at=base - base.resolution * 0 - (base - base.now(base.tzinfo)))
    claims = services.claim_due_notices(limit=count)
    queries = []
    profiler = cProfile.Profile()
    started = time.perf_counter()
    with connection.execute_wrapper(
        lambda execute, sql, params, many, context: (
            queries.append(sql),
            execute(sql, params, many, context),
        )[1]
    ):
        profiler.enable()
        for notice_id, token in claims:
            services.deliver_claimed_notice(notice_id=notice_id, token=token)
        profiler.disable()
    elapsed = time.perf_counter() - started
    print(
        f"{len(claims)} deliveries in-process: {elapsed / len(claims) * 1000:.2f} ms each, "
        f"{len(queries) / len(claims):.1f} SQL statements each",
        file=sys.stderr,
    )
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=40.0, help="seconds over which due")
    parser.add_argument("--sweep", type=float, default=0.2, help="sweeper pause when idle")
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--loglevel", default="info", help="the worker's log level")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=4,
        help="worker processes (delivery waits on the database and the network, so more "
        "processes than cores keep both cores busy)",
    )
    parser.add_argument("--worker-log", help="copy the worker's log to this file")
    parser.add_argument(
        "--db-reuse",
        type=int,
        default=0,
        help="experiment: run the worker with CELERY_DB_REUSE_MAX=N (Celery's Django fix-up "
        "otherwise closes the database connection before and after every task)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        help="instead: claim and send this many notices in this process under cProfile",
    )
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
        from django.db.models import F
        from django.utils import timezone

        from notifications.models import ChannelConfig, Notice, NoticeStatus
        from notifications.tasks import sweep_notices
        from staff.models import School, User

        call_command("migrate", verbosity=0)
        receiver = Receiver()
        school = School.objects.create(name="基准小学")
        user = User.objects.create(username="bench")
        ChannelConfig.objects.create(school=school, kind="webhook", config={"url": receiver.url})
        base = timezone.now() + timedelta(days=1)  # not due while the worker starts
        step = timedelta(seconds=args.spread / args.count)
        Notice.objects.bulk_create(
            [
                Notice(
                    school=school, recipient=user, key=f"bench:{n}:{user.pk}:webhook",
                    event=f"bench:{n}", channel="webhook", subject=f"提醒 {n}",
                    body="您明天 08:00 白班值班。", due_at=base + n * step,
                    status=NoticeStatus.PENDING,
                )
                for n in range(args.count)
            ],
            batch_size=2000,
        )  # fmt: skip

        if args.profile:
            return profile(args.profile, base)

        worker_env = dict(os.environ)
        if args.db_reuse:
            (servers.tmp / "bench_settings.py").write_text(
                "from dutyschool.settings import *  # noqa: F403\n"
                f"CELERY_DB_REUSE_MAX = {args.db_reuse}\n"
            )
            worker_env.update(PYTHONPATH=str(servers.tmp), DJANGO_SETTINGS_MODULE="bench_settings")
        load_before = os.getloadavg()[0]
        log = servers.tmp / "worker.log"
        with log.open("w") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "dutyschool", "worker", "-P", "prefork",
                 "-c", str(args.concurrency), "--without-gossip", "--without-mingle",
                 "--without-heartbeat",
                 "-l", args.loglevel, "-n", "bench@%h"],
                env=worker_env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while " ready." not in log.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
                return 1
            time.sleep(0.1)

        # The clock starts now: shift every due time so the first notice is due in 0.5 s.
        start = timezone.now() + timedelta(seconds=0.5)
        Notice.objects.update(due_at=F("due_at") - (base - start))
        due = dict(Notice.objects.values_list("key", "due_at"))
        stop = threading.Event()
        sweeps = Counter()

        def sweeper():
            from django.db import connection

            while not stop.is_set():
                claimed = int(sweep_notices().split()[-1])  # the task body: claim + publish
                sweeps["calls"] += 1
                sweeps["claimed"] += claimed
                if claimed < 50:
                    stop.wait(args.sweep)
            connection.close()

        thread = threading.Thread(target=sweeper, daemon=True)
        thread.start()
        deadline = time.monotonic() + args.spread + args.timeout
        last_report = time.monotonic()
        while receiver.unique() < args.count and time.monotonic() < deadline:
            time.sleep(0.2)
            if time.monotonic() - last_report >= 5:
                last_report = time.monotonic()
                elapsed = (timezone.now() - start).total_seconds()
                print(
                    f"  {elapsed:5.1f}s: {receiver.unique()} delivered, {sweeps['claimed']} "
                    f"claimed in {sweeps['calls']} sweeps",
                    file=sys.stderr,
                )
        time.sleep(1)  # let any late duplicate arrive before counting
        stop.set()
        thread.join(timeout=10)

        with receiver.lock:
            arrivals = list(receiver.arrivals)
        first: dict[str, float] = {}
        for key, at in arrivals:
            first.setdefault(key, at)
        t0 = start.timestamp()
        late = [at - due[key].timestamp() for key, at in first.items() if key in due]
        last = max(first.values(), default=t0)
        seconds = max(last - t0, 1e-9)
        unsent = Notice.objects.exclude(status=NoticeStatus.SENT).count()
        result = {
            "notices": len(first),
            "seconds": round(seconds, 2),
            "per_second": round(len(first) / seconds, 1),
            "p50_late_s": round(percentile(late, 0.50), 3),
            "p99_late_s": round(percentile(late, 0.99), 3),
            "duplicates": len(arrivals) - len(first),
        }
        print(
            f"{len(first)}/{args.count} notices delivered in {seconds:.1f} s "
            f"({result['per_second']}/s; due over {args.spread:g} s); lateness p50 "
            f"{result['p50_late_s']} s, p99 {result['p99_late_s']} s, max "
            f"{max(late, default=0):.2f} s; duplicates {result['duplicates']}; not sent {unsent}; "
            f"{sweeps['calls']} sweeps; 1-min load average {load_before:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after (on {os.cpu_count()} CPUs)",
            file=sys.stderr,
        )
        ok = len(first) == args.count and result["duplicates"] == 0
        if not ok:
            print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
        if args.worker_log:
            Path(args.worker_log).write_text(log.read_text(errors="replace"))
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
