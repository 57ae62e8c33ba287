"""Run DutySchool's three processes together on embedded defaults (the README's run command).

Migrates, loads the demo school, then starts web (Django's server), a Celery worker and the
Celery beat scheduler, prints the URL and the demo logins, and stops all three on Ctrl-C (or
when any one of them dies).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def pick_port(preferred: int) -> int:
    for port in range(preferred, preferred + 50):
        if port_is_free(port):
            return port
    raise SystemExit(f"no free port in {preferred}..{preferred + 49}")


def manage(*args: str, env: dict) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    args = parser.parse_args()

    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("PYTHONUNBUFFERED", "1")
    var_dir = Path(env.setdefault("DUTYSCHOOL_VAR_DIR", str(ROOT / "var")))
    var_dir.mkdir(parents=True, exist_ok=True)

    print("==> preparing the database", flush=True)
    manage("migrate", "--noinput", "-v", "0", env=env)
    manage("seed_demo", env=env)

    port = pick_port(args.port)
    celery = [PYTHON, "-m", "celery", "-A", "dutyschool"]
    commands = {
        "web": [PYTHON, "manage.py", "runserver", "--noreload", f"{args.host}:{port}"],
        # One process each: the embedded SQLite database takes one writer at a time.
        "worker": [*celery, "worker", "-l", "info", "-P", "solo", "-n", "dutyschool-dev@%h"],
        "beat": [*celery, "beat", "-l", "info", "-s", str(var_dir / "celerybeat-schedule")],
    }
    procs: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for name, command in commands.items():
        # Own process groups: Ctrl-C reaches us, and we stop the children in order.
        procs[name] = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)

    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
    # Print the URL only once the web server answers, so it can be opened straight away.
    deadline = time.monotonic() + 60
    while not stopping and time.monotonic() < deadline and procs["web"].poll() is None:
        try:
            with socket.create_connection((shown_host, port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    url = f"http://{shown_host}:{port}/"
    print(
        f"\n==> DutySchool is running at {url}\n"
        "    Demo logins (password duty2026): admin, principal, leader, teacher, guard, tech, "
        "bureau\n    Press Ctrl-C to stop web, worker and beat.\n",
        flush=True,
    )
    exit_code = 0
    while not stopping:
        for name, proc in procs.items():
            if proc.poll() is not None:
                print(f"==> {name} exited with {proc.returncode}; stopping the rest", flush=True)
                exit_code = proc.returncode or 1
                stopping = True
                break
        time.sleep(0.5)

    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    print("==> stopped", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
