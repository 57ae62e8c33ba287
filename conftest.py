"""Project-wide fixtures: the named cast every permission test uses."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from staff.models import Bureau, BureauOfficial, Role, School, Staff
from staff.tests.factories import make_official, make_school, make_staff

pytest_plugins = ["tests.browserkit"]


@dataclass
class Cast:
    bureau: Bureau
    school: School
    other_school: School
    admin: Staff
    principal: Staff
    leader: Staff
    teacher: Staff
    guard: Staff
    tech: Staff
    other_teacher: Staff
    other_admin: Staff
    official: BureauOfficial
    other_official: BureauOfficial


@pytest.fixture
def cast(db) -> Cast:
    """Two schools of one bureau, one person per role in school A, and a teacher and an admin
    in school B; one official of the schools' bureau and one of an unrelated bureau."""
    bureau = Bureau.objects.create(name="测试区教育局")
    elsewhere = Bureau.objects.create(name="别区教育局")
    school = make_school("甲小学", bureau)
    other_school = make_school("乙小学", bureau)
    make_school("丙小学", elsewhere)
    return Cast(
        bureau=bureau,
        school=school,
        other_school=other_school,
        admin=make_staff(school, Role.ADMIN, name="王办公", username="a-admin"),
        principal=make_staff(school, Role.PRINCIPAL, Role.LEADER, username="a-principal"),
        leader=make_staff(school, Role.LEADER, username="a-leader"),
        teacher=make_staff(school, Role.TEACHER, username="a-teacher"),
        guard=make_staff(school, Role.GUARD, username="a-guard"),
        tech=make_staff(school, Role.TECH, username="a-tech"),
        other_teacher=make_staff(other_school, Role.TEACHER, username="b-teacher"),
        other_admin=make_staff(other_school, Role.ADMIN, username="b-admin"),
        official=make_official(bureau, username="bureau"),
        other_official=make_official(elsewhere, username="elsewhere"),
    )


class WorkerProcess:
    def __init__(self, proc: subprocess.Popen, log: Path):
        self.proc = proc
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]


def _test_database_url() -> str:
    """DATABASE_URL rewritten to name the test database pytest-django created."""
    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real Celery worker (separate process) on the test Redis broker and test database."""
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    with django_db_blocker.unblock():
        env = {**os.environ, "DATABASE_URL": _test_database_url()}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "dutyschool", "worker", "-P", "solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
             "-n", f"test-{os.getpid()}@%h"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    worker = WorkerProcess(proc, log)
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the Celery worker did not start:\n{worker.output()}")
        time.sleep(0.2)
    yield worker
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# --- Fault injection for the delivery tests: private Redis servers, prefork workers, and the
# test process's Celery app pointed at a chosen broker. Added for notifications/tests/test_faults.py
# and test_escalation.py; nothing above depends on it.


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server without persistence on a fixed free port that a test can stop and start
    again (same port, empty data: what a restart without persistence looks like)."""

    def __init__(self, workdir: Path):
        import shutil

        self.binary = shutil.which("redis-server")
        if not self.binary:
            pytest.fail("redis-server is not installed: scripts/bootstrap.sh --test installs it")
        self.workdir = workdir
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self, timeout: float = 15) -> None:
        import redis

        log = (self.workdir / f"redis-{self.port}.log").open("a")
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server on port {self.port} did not start")
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def _children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` read from /proc (psutil is not installed)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process exited while we looked
        fields = text[text.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return sorted(children)


class CeleryWorker(WorkerProcess):
    """A prefork worker in its own session (process group) on a given broker."""

    def pool_children(self) -> list[int]:
        return _children_of(self.proc.pid)

    def kill_child(self) -> int:
        children = self.pool_children()
        assert children, f"the worker has no pool processes:\n{self.output()}"
        os.kill(children[0], signal.SIGKILL)
        return children[0]

    def kill_group(self) -> None:
        """SIGKILL the main process and every pool process at once: a host crash."""
        with contextlib.suppress(ProcessLookupError):  # the pool outlives a dead main process
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):  # pool processes left behind, if any
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


@pytest.fixture
def redis_server(tmp_path):
    """A private Redis the test may stop and restart; the session's Redis is never touched."""
    server = RedisServer(tmp_path)
    yield server
    server.stop(signal.SIGKILL)


@pytest.fixture
def start_worker(django_db_blocker, tmp_path):
    """``start_worker(broker_url, concurrency=2, **env)``: a real prefork worker on the test
    database, ready when returned. Every worker started is killed at teardown."""
    workers: list[CeleryWorker] = []

    def start(broker_url: str, concurrency: int = 2, **extra_env: str) -> CeleryWorker:
        with django_db_blocker.unblock():
            database_url = _test_database_url()
        n = len(workers) + 1
        env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": broker_url,
               **{key: str(value) for key, value in extra_env.items()}}  # fmt: skip
        log = tmp_path / f"worker-{n}.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "dutyschool", "worker", "-P", "prefork",
                 "-c", str(concurrency), "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "-l", "info", "-n", f"fault-{os.getpid()}-{n}@%h"],
                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        worker = CeleryWorker(proc, log)
        workers.append(worker)
        deadline = time.monotonic() + 60
        while " ready." not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{worker.output()}")
            time.sleep(0.1)
        return worker

    yield start
    for worker in workers:  # throwaway workers: no need to wait for a warm shutdown
        worker.kill_group()


@pytest.fixture
def use_broker():
    """``use_broker(url)`` points this process's Celery app (publishing from request code and
    tasks called in-process) at ``url``; the original broker is restored afterwards. Celery
    reads CELERY_BROKER_URL from the environment before its settings, so that is what changes;
    the cached connection pools are dropped so the next publish connects to the new URL."""
    from kombu import pools as kombu_pools

    from dutyschool.celery import app

    original = os.environ.get("CELERY_BROKER_URL")

    def switch(url: str | None) -> None:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        # kombu keeps producer pools in a global registry keyed by connection: the closed pool
        # for a URL would come back when that URL is used again.
        kombu_pools.reset()
        if url is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = url

    yield switch
    switch(original)
