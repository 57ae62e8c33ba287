"""The run command's embedded path (SQLite, filesystem broker, web + worker + beat) works.

This starts the very script the README's run command execs, in a scratch directory, so the
demo can never silently break while the main suite runs on PostgreSQL.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    def __init__(self, tmp: Path):
        self.var = tmp / "var"
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "HTTPS", "SECRET_KEY"}
        }
        env.update(DUTYSCHOOL_VAR_DIR=str(self.var), HEARTBEAT_SECONDS="2")
        self.env = env
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "scripts/devstack.py", "--port", str(free_port())],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def output(self) -> str:
        return "".join(self.lines)[-6000:]

    def wait_for_line(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                found = re.search(pattern, line)
                if found:
                    return found
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"no line matching {pattern!r}:\n{self.output()}")

    def heartbeats(self) -> dict[str, int]:
        with sqlite3.connect(self.var / "dutyschool.sqlite3") as db:
            return dict(db.execute("SELECT name, beats FROM notifications_heartbeat"))


@pytest.fixture
def stack(tmp_path):
    stack = Stack(tmp_path)
    yield stack
    if stack.proc.poll() is None:
        stack.proc.kill()
        stack.proc.wait()


def login(base: str, username: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(base + "accounts/login/", data=data)
    request.add_header("Referer", base + "accounts/login/")
    return opener.open(request, timeout=10).read().decode()


def test_the_run_command_serves_the_demo_with_worker_and_beat_and_stops_cleanly(stack):
    url = stack.wait_for_line(r"running at (http://\S+)", timeout=240).group(1)
    for login_name in ["admin", "principal", "leader", "teacher", "guard", "tech", "bureau"]:
        assert login_name in stack.output()
    home = login(url, "teacher", "duty2026")
    assert "冯秀英" in home
    assert "示范区实验小学" in home

    # The web side reaches the worker through the filesystem broker.
    ping = subprocess.run(
        [sys.executable, "manage.py", "ping_worker", "--timeout", "60"],
        cwd=ROOT, env={**stack.env, "DEBUG": "1"}, capture_output=True, text=True,
    )  # fmt: skip
    assert ping.returncode == 0, ping.stderr + stack.output()
    # Beat schedules its heartbeat every 2 s here; the worker records it.
    deadline = time.monotonic() + 60
    while stack.heartbeats().get("beat", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert stack.heartbeats().get("beat", 0) >= 1, stack.output()

    stack.proc.send_signal(signal.SIGINT)
    assert stack.proc.wait(timeout=30) == 0, stack.output()
    assert "==> stopped" in stack.output()
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)
