"""The load test's machinery at tiny scale (benchmarks/load.py, docs/deploy.md "Load test"):
2 schools, 5 users logging in through the form, about 15 s of load with the shift-change spike,
against gunicorn + a Celery worker + beat from the systemd units on the test PostgreSQL (the
migrated test database) and the test Redis. The figures mean nothing at this size; what is
checked is that every part runs and the last line is the promised JSON with no errors."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent


def test_load_test_runs_and_ends_with_its_json_line(tmp_path):
    # Not imported here: importing locust patches threads and sockets (gevent) in this process.
    assert importlib.util.find_spec("locust"), "requirements-test.txt installs locust"
    from conftest import _test_database_url

    # A Redis database of its own: the load test's worker must not take other tests' tasks.
    redis = urlsplit(os.environ["REDIS_URL"])._replace(path="/6")
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "load.py"), "--schools", "2", "--users", "5",
         "--duration", "15", "--ramp", "20", "--spawn-rate", "5", "--think", "1,2",
         "--workers", "2", "--threads", "2", "--worker-concurrency", "1", "--no-profile",
         "--database-url", _test_database_url(), "--redis-url", urlunsplit(redis),
         "--keep", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-4000:] + run.stdout[-2000:]
    last = run.stdout.strip().splitlines()[-1]
    figures = json.loads(last)
    assert set(figures) == {"users", "requests", "errors", "p95_read_ms", "p95_write_ms", "rps"}
    assert figures["users"] == 5
    assert figures["requests"] > 0, run.stderr[-3000:]
    assert figures["errors"] == 0, run.stderr[-3000:]
    assert figures["p95_read_ms"] > 0 and figures["p95_write_ms"] > 0 and figures["rps"] > 0
    # The report named both phases and the spike's arrivals checked in or opened the log.
    assert "steady: p95 read" in run.stderr and "spike: p95 read" in run.stderr
    assert "log autosave" in run.stderr and "login" in run.stderr
    # Every request went through gunicorn (its access log), none was answered with a 5xx.
    access = (tmp_path / "web.log").read_text(errors="replace")
    assert '"POST /accounts/login/' in access and '" 500 ' not in access
    assert time.monotonic() - started < 120
