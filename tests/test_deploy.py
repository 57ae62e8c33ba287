"""The deployment files in deploy/ are valid and their commands really start the product."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.stack import ROOT, UNIT_DIR, example_env, exec_start, free_port

UNITS = sorted(UNIT_DIR.glob("dutyschool-*"))


def local_unit(unit: Path, target: Path) -> Path:
    """The unit with /opt/dutyschool pointing at this checkout, as an installer would place it."""
    copy = target / unit.name
    copy.write_text(unit.read_text().replace("/opt/dutyschool", str(ROOT)))
    return copy


def test_the_example_environment_names_every_variable_the_units_use():
    env = example_env()
    for unit in UNITS:
        for name in re.findall(r"\$\{(\w+)\}", unit.read_text()):
            assert name in env, f"{unit.name} uses ${{{name}}}, missing from deploy/env.example"


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_systemd_accepts_the_unit(unit, tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: scripts/bootstrap.sh --test installs it"
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(local_unit(unit, tmp_path))],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    # Only complaints about this machine (no dutyschool user, no EnvironmentFile) are allowed.
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "dutyschool-" in line and "not executable" not in line
    ]
    assert not problems, problems


@pytest.mark.slow
@pytest.mark.django_db
def test_the_web_unit_serves_health_and_compressed_hashed_static_files(tmp_path):
    from conftest import _test_database_url

    port = free_port()
    env = {
        **os.environ,
        **{k: v for k, v in example_env().items() if k.startswith("WEB_")},
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "DATABASE_URL": _test_database_url(),
        "STATIC_ROOT": str(tmp_path / "static"),
        "STATIC_MANIFEST": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert collect.returncode == 0, collect.stderr
    web = subprocess.Popen(
        exec_start("dutyschool-web.service", env),
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or web.poll() is not None:
                    pytest.fail(web.stdout.read().decode(errors="replace") if web.poll() else "")
                time.sleep(0.3)
        with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as response:
            page = response.read().decode()
        css = re.search(r'href="(/static/css/dutyschool\.[0-9a-f]{12}\.css)"', page)
        assert css, "the login page links the hashed stylesheet"
        request = urllib.request.Request(base + css.group(1), headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
            assert response.headers["Content-Encoding"] == "gzip"
            assert "immutable" in response.headers["Cache-Control"]
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)
