"""Load test as one command: a district on gunicorn + PostgreSQL + Redis + Celery, driven by
locust (headless) with logins through the login form.

    .venv/bin/python benchmarks/load.py [--users 100] [--duration 150] [--schools 20]

What it does, from nothing:

1. installs locust from benchmarks/requirements.txt into the project's virtual environment if
   it is missing (pinned with ==);
2. starts a throwaway PostgreSQL and Redis the way scripts/test does (``scripts/testservers.py``'s
   ``Servers``) — or uses ``--database-url`` (an empty database it may fill) and ``--redis-url``;
3. migrates and writes the district (benchmarks/district.py: 20 schools × 60 staff, a term of
   rosters, logs, patrols, visitors, incidents, inboxes);
4. starts gunicorn, one Celery worker and beat from the systemd units' own command lines
   (deploy/systemd, as tests/test_multiprocess.py does), with the production settings
   (DEBUG off, persistent database connections): ``--workers`` 5 (2 × cores + 1) with
   ``--threads`` 4, the worker with ``--worker-concurrency`` 2;
5. runs benchmarks/locustfile.py: ``--users`` people ramp up (each logs in: PBKDF2 with Django's
   1,000,000 iterations, over half a second of CPU each, so the ramp is not measured: measuring
   starts 5 s after the last of them has logged in, or after ``--ramp`` seconds at most), steady
   load, then the 07:30–08:00 shift-change spike (``--spike-users`` more people arrive, log in,
   check in, open the log and the duty board). Think time ``--think`` seconds between clicks.
   The default run takes about 4–5 minutes including the set-up;
6. reports, for the measured window (steady + spike): p50/p95/max per page, p95 of reads and of
   writes for each phase, errors, requests per second, the machine's load average, and for each
   hot page its SQL query count and time, the CPU time of the Django process and its size (in
   process, through Django's test client: CPU time is what a page costs on a shared machine,
   where wall time also counts waiting for a core).

Categories: "read" = page views (dashboards, rosters, duty logs, lists); "write" = logbook
writes (autosave, patrol start/item/finish, post checks, check-in, opening a log); "gate" =
visitor and incident writes; "auth" = the login form; "poll" = the inbox badge htmx fetches on
every page load. p95_read_ms covers "read", p95_write_ms "write" and "gate". ``requests`` and
``errors`` count every request of the run (ramp included: an error is never hidden); ``rps`` is
the measured window's requests per second. Target on 2 cores: p95 < 300 ms reads, < 500 ms
writes, no errors. The last line printed is one JSON object:
{"users", "requests", "errors", "p95_read_ms", "p95_write_ms", "rps"}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from testservers import Servers  # noqa: E402 - the path is set just above

from tests.stack import Process, example_env, exec_start, free_port  # noqa: E402

PYTHON = sys.executable
TARGET_READ_MS, TARGET_WRITE_MS = 300, 500


def say(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def ensure_locust() -> None:
    found = subprocess.run([PYTHON, "-c", "import locust"], capture_output=True).returncode == 0
    if not found:
        say("==> installing locust from benchmarks/requirements.txt")
        subprocess.run(
            [PYTHON, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
             str(ROOT / "benchmarks" / "requirements.txt")],
            check=True,
        )  # fmt: skip


class CpuMeter:
    """CPU seconds used by process trees (gunicorn, PostgreSQL, Celery, locust), sampled twice a
    second from /proc: on a machine shared with other work, the CPU a request costs says more
    than its wall time, which includes waiting for a core."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, roots: dict[str, int]):
        self.roots = roots
        self.samples: list[tuple[float, dict[str, float]]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _stats(self) -> dict[int, tuple[int, float]]:
        out = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
                fields = text[text.rindex(")") + 2 :].split()
                # ppid; utime + stime + cutime + cstime (children waited for: exited backends)
                out[int(stat.parent.name)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))
            except (OSError, ValueError, IndexError):
                continue  # the process ended while we read it
        return out

    def read(self) -> dict[str, float]:
        stats = self._stats()
        children: dict[int, list[int]] = defaultdict(list)
        for pid, (ppid, _cpu) in stats.items():
            children[ppid].append(pid)
        totals = {}
        for name, root in self.roots.items():
            todo, seen, ticks = [root], set(), 0
            while todo:
                pid = todo.pop()
                if pid in seen or pid not in stats:
                    continue
                seen.add(pid)
                ticks += stats[pid][1]
                todo.extend(children[pid])
            totals[name] = ticks / self.TICK
        return totals

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            try:
                self.samples.append((time.time(), self.read()))
            except Exception as exc:
                say(f"(CPU sample skipped: {exc!r})")

    def between(self, start: float, end: float) -> dict[str, float]:
        self.stop.set()
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return {}
        first, last = inside[0][1], inside[-1][1]
        return {name: last[name] - first[name] for name in first}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100, help="concurrent users (steady)")
    parser.add_argument("--duration", type=float, default=120,
                        help="measured seconds: steady then the spike")  # fmt: skip
    parser.add_argument("--spike-share", type=float, default=0.4,
                        help="part of --duration that is the shift-change spike")  # fmt: skip
    parser.add_argument("--spike-users", type=int, default=None,
                        help="people arriving in the spike (default: 30 %% of users)")  # fmt: skip
    parser.add_argument("--spawn-rate", type=float, default=2.0, help="logins per second, ramp")
    parser.add_argument("--ramp", type=float, default=None,
                        help="longest ramp before measuring (default 2 × users/rate)")  # fmt: skip
    parser.add_argument("--think", default="5,15", help="think time between clicks: min,max s")
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--staff", type=int, default=60, help="people per school")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--worker-concurrency", type=int, default=2, help="Celery processes")
    parser.add_argument("--database-url", help="an empty PostgreSQL database to fill and use")
    parser.add_argument("--redis-url", help="Redis for the broker (with --database-url)")
    parser.add_argument("--collectstatic", action="store_true",
                        help="serve collected, hashed files (about 20 s more; the users do not "
                        "fetch static files: a browser keeps them a year)")  # fmt: skip
    parser.add_argument("--no-profile", action="store_true", help="skip the query profile")
    parser.add_argument("--keep", help="copy the processes' logs and results to this folder")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.database_url and not args.redis_url:
        raise SystemExit("--database-url needs --redis-url too")
    ensure_locust()
    spike_users = args.spike_users if args.spike_users is not None else max(1, args.users * 3 // 10)
    spike = round(args.duration * args.spike_share, 1)
    steady = round(args.duration - spike, 1)
    ramp = args.ramp if args.ramp is not None else round(max(60, args.users / args.spawn_rate * 2))
    load_start = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="dutyschool-load-"))
    servers = None
    processes: list[Process] = []
    try:
        if args.database_url:
            database_url, redis_url = args.database_url, args.redis_url
        else:
            servers = Servers()
            database_url, redis_url = servers.start_postgres(), servers.start_redis()
        port = free_port()
        env = {
            **os.environ,
            **{k: v for k, v in example_env().items() if k.startswith(("WEB_", "WORKER_"))},
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": redis_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "load-test-secret-key-not-for-production-0123456789abcdef",
            "VISITOR_ID_KEYS": "bG9hZC10ZXN0LXZpc2l0b3ItaWQta2V5LTMyYnl0ZXM=",
            "VISITOR_LOOKUP_KEY": "load-test-visitor-lookup-key-not-for-production-01",
            "DEBUG": "0",
            "HTTPS": "0",
            "STATIC_MANIFEST": "1" if args.collectstatic else "0",
            "ALLOWED_HOSTS": "127.0.0.1,testserver",
            "DUTYSCHOOL_VAR_DIR": str(tmp / "var"),
            "STATIC_ROOT": str(tmp / "static"),
            "MEDIA_ROOT": str(tmp / "media"),
            "WEB_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(args.workers),
            "WEB_THREADS": str(args.threads),
            "WORKER_CONCURRENCY": str(args.worker_concurrency),
            "DJANGO_SETTINGS_MODULE": "dutyschool.settings",
        }
        os.environ.update(env)
        personas = prepare(args, tmp, horizon=ramp + steady + spike)
        processes = start_stack(env, tmp)
        base = f"http://127.0.0.1:{port}"
        processes[0].wait_for_http(f"{base}/healthz", timeout=120)
        for process in processes[1:]:
            process.wait_for_log(" ready." if "worker" in process.name else "beat: Starting")
        say(f"==> locust: {args.users} users (+{spike_users} arriving in the spike), ramp "
            f"until all have logged in ({ramp:g}s at most), steady {steady:g}s, spike "
            f"{spike:g}s, think {args.think}s")  # fmt: skip
        roots = {"web": processes[0].proc.pid, "celery": processes[1].proc.pid}
        roots["beat"] = processes[2].proc.pid
        if servers is not None:
            roots["postgres"] = next(p.pid for n, p in servers.procs if n == "postgres")
        meter = CpuMeter(roots)
        result = run_locust(args, env, base, personas, tmp, ramp, steady, spike, spike_users)
        load_end = os.getloadavg()
        figures = report(result, args, steady, spike, spike_users, load_start, load_end)
        cpu_report(result, meter, steady, spike)
        dead = [p.name for p in processes if p.proc.poll() is not None]
        if dead:
            say(f"!! processes died during the run: {dead}")
            figures["errors"] += 1
        if not args.no_profile:
            profile(personas)
        if args.keep:
            keep = Path(args.keep)
            keep.mkdir(parents=True, exist_ok=True)
            for path in tmp.glob("*.log"):
                shutil.copy(path, keep / path.name)
            shutil.copy(tmp / "result.json", keep / "result.json")
        print(json.dumps(figures), flush=True)
        return 0
    finally:
        for process in processes:
            process.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may never have been set up
            pass
        if servers is not None:
            servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def prepare(args, tmp: Path, horizon: float) -> Path:
    """Migrate, collect static files, write the district; return the personas file."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from benchmarks import district

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    say(f"==> migrated in {time.monotonic() - started:.1f}s")
    started = time.monotonic()
    if args.collectstatic:
        call_command("collectstatic", interactive=False, verbosity=0)
        say(f"==> static files collected in {time.monotonic() - started:.1f}s")
    say(f"==> writing the district: {args.schools} schools × {args.staff} staff")
    data = district.build(schools=args.schools, staff=args.staff,
                          horizon=timedelta(seconds=horizon + 60), log=say)  # fmt: skip
    say("    " + ", ".join(f"{k} {v}" for k, v in data["summary"].items()))
    connections.close_all()
    path = tmp / "personas.json"
    path.write_text(json.dumps({"password": district.PASSWORD, "schools": data["schools"]},
                               ensure_ascii=False))  # fmt: skip
    return path


def start_stack(env: dict, tmp: Path) -> list[Process]:
    web = Process("web", exec_start("dutyschool-web.service", env), env, tmp / "web.log")
    worker = Process("worker", exec_start("dutyschool-worker.service", env, host="load"), env,
                     tmp / "worker.log")  # fmt: skip
    beat_cmd = exec_start("dutyschool-beat.service", env)
    beat_cmd[beat_cmd.index("-s") + 1] = str(tmp / "celerybeat-schedule")
    beat = Process("beat", beat_cmd, env, tmp / "beat.log")
    return [web, worker, beat]


def run_locust(args, env, base, personas, tmp, ramp, steady, spike, spike_users) -> dict:
    result_path = tmp / "result.json"
    locust_env = {
        **env,
        "LOAD_PERSONAS": str(personas),
        "LOAD_RESULT": str(result_path),
        "LOAD_USERS": str(args.users),
        "LOAD_SPIKE_USERS": str(spike_users),
        "LOAD_RAMP": str(ramp),
        "LOAD_STEADY": str(steady),
        "LOAD_SPIKE": str(spike),
        "LOAD_SPAWN_RATE": str(args.spawn_rate),
        "LOAD_THINK": args.think,
    }
    log = tmp / "locust.log"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log.open("w") as out:
        code = subprocess.run(
            [PYTHON, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"),
             "--headless", "--host", base, "--only-summary", "--loglevel", "WARNING",
             "--stop-timeout", "10", "--exit-code-on-error", "0"],
            cwd=ROOT, env=locust_env, stdout=out, stderr=subprocess.STDOUT,
            timeout=ramp + steady + spike + 180,
        ).returncode  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    say(f"==> locust itself used {used:.0f} s of CPU (on the same cores as the servers)")
    if code != 0 or not result_path.exists():
        say(log.read_text(errors="replace")[-4000:])
        raise SystemExit(f"locust failed (exit {code})")
    return json.loads(result_path.read_text())


def report(result, args, steady, spike, spike_users, load_start, load_end) -> dict:
    samples = result["samples"]
    measured = [s for s in samples if s[2] in ("steady", "spike")]
    by_name = defaultdict(list)
    for _cat, name, _phase, ms, ok in measured:
        by_name[name].append((ms, ok))
    say("")
    say(f"{'request (steady + spike)':<44}{'count':>7}{'fail':>6}{'p50':>8}{'p95':>8}{'max':>8}")
    for name in sorted(by_name, key=lambda n: (n.split(" ")[0], -len(by_name[n]))):
        rows = by_name[name]
        times = [ms for ms, _ok in rows]
        fails = sum(not ok for _ms, ok in rows)
        say(f"{name:<44}{len(rows):>7}{fails:>6}{statistics.median(times):>8.0f}"
            f"{percentile(times, 0.95):>8.0f}{max(times):>8.0f}")  # fmt: skip

    def p95(cats, phases=("steady", "spike")) -> float:
        return round(percentile([s[3] for s in samples if s[0] in cats and s[2] in phases], 0.95))

    mix = defaultdict(int)
    for s in measured:
        mix[s[0]] += 1
    core = sum(mix[c] for c in ("read", "write", "gate")) or 1
    say("")
    say(f"mix of reads and writes: read {mix['read'] / core:.0%}, logbook writes "
        f"{mix['write'] / core:.0%}, visitor and incident writes {mix['gate'] / core:.0%} "
        f"(plus {mix['poll']} badge polls and {mix['auth']} login requests)")  # fmt: skip
    for phase in ("steady", "spike"):
        say(f"{phase:>6}: p95 read {p95({'read'}, (phase,))} ms, write "
            f"{p95({'write', 'gate'}, (phase,))} ms, login {p95({'auth'}, (phase,))} ms, poll "
            f"{p95({'poll'}, (phase,))} ms")  # fmt: skip
    say(f"  ramp: {result['ramp_seconds']:.0f} s, login p95 {p95({'auth'}, ('ramp',))} ms "
        f"(everyone logging in; not measured)")  # fmt: skip
    errors = [s for s in samples if not s[4] and s[0] != "cut"]
    cut = sum(1 for s in samples if s[0] == "cut")
    if cut:
        say(f"{cut} requests were in flight when the run stopped (abandoned, not counted)")
    rps = len(measured) / max(steady + spike, 1)
    figures = {
        "users": args.users,
        "requests": len(samples) - cut,
        "errors": len(errors),
        "p95_read_ms": p95({"read"}),
        "p95_write_ms": p95({"write", "gate"}),
        "rps": round(rps, 1),
    }
    if errors:
        failing = defaultdict(int)
        for s in errors:
            failing[(s[1], s[2])] += 1
        say("errors: " + ", ".join(f"{n} in {p}: {c}" for (n, p), c in failing.items()))
    verdict = (figures["p95_read_ms"] < TARGET_READ_MS and figures["p95_write_ms"] <
               TARGET_WRITE_MS and not errors)  # fmt: skip
    say(f"target (p95 < {TARGET_READ_MS} ms reads, < {TARGET_WRITE_MS} ms writes, no errors): "
        f"{'met' if verdict else 'NOT met'}; {args.users} users + {spike_users} in the spike, "
        f"{rps:.1f} requests/s; load average {load_start[0]:.1f} before, {load_end[0]:.1f} "
        f"(1 min) / {load_end[1]:.1f} (5 min) after, on {os.cpu_count()} CPUs shared with "
        f"whatever else runs here")  # fmt: skip
    return figures


def login_cpu_seconds() -> float:
    """CPU time of one password check (PBKDF2, Django's default iterations), in this process."""
    from django.contrib.auth.hashers import check_password, make_password

    hashed = make_password("a-password")
    started = time.process_time()
    check_password("a-password", hashed)
    return time.process_time() - started


def cpu_report(result, meter: CpuMeter, steady: float, spike: float) -> None:
    """CPU the servers used per request in each phase, and what that means on 2 free cores."""
    per_login = login_cpu_seconds()
    say("")
    say(f"one login (PBKDF2 password check) costs {per_login * 1000:.0f} ms of CPU")
    start = result["measured_from"]
    windows = {"steady": (start, start + steady), "spike": (start + steady, start + steady + spike)}
    for phase, (first, last) in windows.items():
        used = meter.between(first, last)
        count = sum(1 for s in result["samples"] if s[2] == phase)
        if not used or not count:
            say(f"{phase:>6}: no CPU samples ({len(meter.samples)} taken) or no requests")
            continue
        server = sum(v for k, v in used.items())
        logins = sum(1 for s in result["samples"] if s[2] == phase and s[1] == "auth POST login")
        parts = ", ".join(f"{k} {v:.1f}" for k, v in used.items())
        say(f"{phase:>6}: server CPU {server:.1f} s in {last - first:.0f} s ({parts}; "
            f"{server / (last - first):.2f} cores busy) for {count} requests incl. {logins} "
            f"logins = {server / count * 1000:.0f} ms CPU per request; 2 free cores would serve "
            f"about {2 * count / server:.0f} requests/s of this mix")  # fmt: skip
        rest, others = max(server - logins * per_login, 0.001), max(count - logins, 1)
        say(f"        without the logins: {rest / others * 1000:.0f} ms CPU per request, "
            f"about {2 * others / rest:.0f} requests/s on 2 free cores")  # fmt: skip


HOT_PAGES = {
    "leader": ["/", "/logbook/now/", "/incidents/dashboard/", "/logbook/daily/",
               "/logbook/logs/archive/", "/logbook/logs/{log}/", "/roster/{roster}/",
               "/roster/today/", "/incidents/", "/notifications/"],
    "writer": ["/logbook/now/", "/logbook/logs/{log}/", "/roster/mine/", "/logbook/patrol/"],
    "office": ["/roster/{roster}/", "/roster/{roster}/week/", "/logbook/visitors/"],
    "teacher": ["/roster/mine/", "/roster/{roster}/week/", "/notifications/"],
}  # fmt: skip


def profile(personas: Path) -> None:
    """SQL queries and time of each hot page, one request each (after a warm-up request)."""
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from staff.models import User

    data = json.loads(personas.read_text())
    school = data["schools"][0]
    say("")
    say(f"{'page (median of 3, warm, in-process)':<36}{'as':>9}{'queries':>8}{'sql ms':>8}"
        f"{'cpu ms':>8}{'wall ms':>8}{'KB':>6}")  # fmt: skip
    for kind, paths in HOT_PAGES.items():
        persona = next((p for p in school["personas"] if p["kind"] == kind), None)
        if persona is None:
            continue
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(User.objects.get(username=persona["username"]))
        for template in paths:
            path = template.format(log=school["log"], roster=school["roster"])
            client.get(path)
            runs = []
            for _n in range(3):
                with CaptureQueriesContext(connection) as queries:
                    wall, cpu = time.perf_counter(), time.process_time()
                    response = client.get(path)
                    cpu = (time.process_time() - cpu) * 1000
                    wall = (time.perf_counter() - wall) * 1000
                sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
                runs.append((wall, cpu, sql, len(queries)))
            wall, cpu, sql, count = sorted(runs)[1]
            flag = "" if response.status_code == 200 else f" ({response.status_code})"
            say(f"{path + flag:<36}{kind:>9}{count:>8}{sql:>8.0f}{cpu:>8.0f}{wall:>8.0f}"
                f"{len(response.content) / 1024:>6.0f}")  # fmt: skip
    connections.close_all()


if __name__ == "__main__":
    sys.exit(main())
