"""Processes started from the deployment's own systemd command lines, and a small HTTP client
that logs in like a browser. Used by tests/test_deploy.py and tests/test_multiprocess.py."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNIT_DIR = ROOT / "deploy" / "systemd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def example_env() -> dict[str, str]:
    values = {}
    for line in (ROOT / "deploy" / "env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def exec_start(unit: str, env: dict[str, str], host: str = "test") -> list[str]:
    """ExecStart of ``unit`` expanded as systemd expands ${VAR} (EnvironmentFile=) and %H."""
    text = (UNIT_DIR / unit).read_text()
    line = next(x for x in text.splitlines() if x.startswith("ExecStart="))
    command = line.removeprefix("ExecStart=").replace("/opt/dutyschool", str(ROOT))
    command = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], command).replace("%H", host)
    return shlex.split(command)


class Process:
    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path):
        self.name = name
        self.log = log
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{self.name} did not log {text!r}:\n{self.output()[-4000:]}")
            time.sleep(0.2)

    def wait_for_http(self, url: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answered
            except OSError as exc:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    tail = self.output()[-4000:]
                    raise AssertionError(f"{self.name} never answered:\n{tail}") from exc
                time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browserish:
    """Cookies, CSRF and form posts; redirects are returned, not followed. Given several base
    URLs (web processes), the requests take turns among them, as behind a round-robin proxy."""

    def __init__(self, base: str, *more: str):
        self.bases = [base, *more]
        self.base = base
        self.turn = 0
        self.served: Counter[str] = Counter()  # requests answered per base URL
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def use(self, base: str) -> Browserish:
        """The same session (cookies) against another web process."""
        self.bases = [base]
        self.base = base
        return self

    def _cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def request(self, method: str, path: str, data: dict | None = None, headers=None):
        self.base = self.bases[self.turn % len(self.bases)]
        self.turn += 1
        self.served[self.base] += 1
        body = urllib.parse.urlencode(data or {}, doseq=True).encode() if method == "POST" else None
        request = urllib.request.Request(
            self.base + path,
            data=body,
            method=method,
            headers={
                "Accept-Language": "en",
                "X-CSRFToken": self._cookie("csrftoken"),
                "Referer": self.base + "/",
                **(headers or {}),
            },
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(errors="replace"), response.headers
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode(errors="replace"), error.headers

    def get(self, path: str, *, hx: bool = False):
        return self.request("GET", path, headers={"HX-Request": "true"} if hx else None)

    def post(self, path: str, data: dict | None = None, headers=None, *, hx: bool = False):
        if not self._cookie("csrftoken"):
            self.get("/accounts/login/")
        if hx:  # what htmx adds to the form post it makes
            headers = {"HX-Request": "true", **(headers or {})}
        return self.request("POST", path, {"csrfmiddlewaretoken": self._cookie("csrftoken"),
                                           **(data or {})}, headers)  # fmt: skip

    def login(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        status, body, _headers = self.post(
            "/accounts/login/", {"username": username, "password": password}
        )
        assert status == 302, f"login of {username} failed ({status}): {body[:500]}"
