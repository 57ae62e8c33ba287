"""Project-wide fixtures: the named cast every permission test uses."""

from __future__ import annotations

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
