"""Start a throwaway PostgreSQL cluster and Redis server on free loopback ports, run a command
against them, and stop them again whatever happens.

    python scripts/testservers.py -- python -m pytest

The command gets DATABASE_URL, CELERY_BROKER_URL and REDIS_URL pointing at the servers. Runs as
root (CI) or as an ordinary user; as root, PostgreSQL runs as the ``postgres`` user because
initdb refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, name: str, log: Path, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} exited early:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{name} did not open port {port} within {timeout}s")


def pg_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    preferred = [c for c in candidates if "/15/" in c]
    found = (preferred or candidates or [shutil.which(name)])[-1]
    if not found:
        raise SystemExit(f"PostgreSQL's {name} was not found; install the postgresql package.")
    return found


class Servers:
    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="dutyschool-test-"))
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.pg_user = "postgres" if os.geteuid() == 0 else None

    def start_postgres(self) -> str:
        data = self.tmp / "pg"
        data.mkdir()
        log = self.tmp / "postgres.log"
        log.touch()
        if self.pg_user:
            os.chmod(self.tmp, 0o755)  # noqa: S103 - the postgres user must reach its data dir
            shutil.chown(data, self.pg_user, self.pg_user)
            shutil.chown(log, self.pg_user, self.pg_user)
        as_user = {"user": self.pg_user, "group": self.pg_user} if self.pg_user else {}
        subprocess.run(
            [pg_bin("initdb"), "-D", str(data), "-U", "dutyschool", "--auth=trust",
             "-E", "UTF8", "--locale=C"],
            check=True, stdout=subprocess.DEVNULL, **as_user,
        )  # fmt: skip
        port = free_port()
        with log.open("a") as out:
            proc = subprocess.Popen(
                [pg_bin("postgres"), "-D", str(data), "-p", str(port), "-k", str(data),
                 "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                 "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                 "-c", "max_connections=200"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **as_user,
            )  # fmt: skip
        self.procs.append(("postgres", proc))
        wait_for_port(port, proc, "postgres", log)
        url = f"postgres://dutyschool@127.0.0.1:{port}/dutyschool"
        import psycopg2  # from the project's virtual environment

        for _ in range(100):
            try:
                conn = psycopg2.connect(
                    host="127.0.0.1", port=port, user="dutyschool", dbname="postgres"
                )
                break
            except psycopg2.OperationalError:
                time.sleep(0.2)  # the server accepts TCP slightly before it accepts logins
        else:
            raise SystemExit(f"could not log in to postgres:\n{log.read_text()[-4000:]}")
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("CREATE DATABASE dutyschool")
        conn.close()
        return url

    def start_redis(self) -> str:
        port = free_port()
        log = self.tmp / "redis.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [shutil.which("redis-server") or "redis-server", "--port", str(port),
                 "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.tmp)],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.procs.append(("redis", proc))
        wait_for_port(port, proc, "redis", log)
        return f"redis://127.0.0.1:{port}/0"

    def stop(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                # SIGINT is PostgreSQL's fast shutdown; Redis exits on it too.
                proc.send_signal(signal.SIGINT)
        for _name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1 :]
    servers = Servers()

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    try:
        env = dict(os.environ)
        env["DATABASE_URL"] = servers.start_postgres()
        env["REDIS_URL"] = servers.start_redis()
        env["CELERY_BROKER_URL"] = env["REDIS_URL"]
        env.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
        # Visitor ID numbers need their keys when DEBUG is off (test keys, never production).
        env.setdefault("VISITOR_ID_KEYS", "dGVzdC12aXNpdG9yLWlkLWtleS1ub3QtZm9yLXByb2Q=")
        env.setdefault("VISITOR_LOOKUP_KEY", "test-visitor-lookup-key-not-for-production-0123")
        env["DEBUG"] = "0"
        env["STATIC_MANIFEST"] = "0"  # templates read source static files; no collectstatic
        env["HTTPS"] = "0"
        env["DUTYSCHOOL_VAR_DIR"] = str(servers.tmp / "var")
        print(f"==> test servers: {env['DATABASE_URL']} {env['REDIS_URL']}", file=sys.stderr)
        child = subprocess.Popen(command, env=env, cwd=ROOT)
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.send_signal(signal.SIGINT)
            child.wait(timeout=60)
            return 130
    finally:
        servers.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
