"""The point-in-time recovery recipe in docs/deploy.md works: WAL archiving with the documented
``archive_command``, a ``pg_basebackup``, and recovery to a moment between two writes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import psycopg2
import pytest

from tests.stack import ROOT, free_port

sys.path.insert(0, str(ROOT / "scripts"))
from testservers import pg_bin

pytestmark = pytest.mark.slow
DOC = (ROOT / "docs" / "deploy.md").read_text()
DOC_ARCHIVE_DIR = "/var/backups/dutyschool/wal"


class Cluster:
    """A throwaway PostgreSQL data directory run as the postgres user when we are root."""

    def __init__(self, data: Path, log: Path):
        self.data, self.log = data, log
        self.user = "postgres" if os.geteuid() == 0 else None
        self.as_user = {"user": self.user, "group": self.user} if self.user else {}
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def own(self, *paths: Path) -> None:
        if self.user:
            for path in paths:
                subprocess.run(["chown", "-R", f"{self.user}:{self.user}", str(path)], check=True)

    def start(self, *settings: str) -> None:
        self.log.touch()
        self.own(self.log)
        args = [pg_bin("postgres"), "-D", str(self.data), "-p", str(self.port),
                "-k", str(self.data), "-c", "listen_addresses=127.0.0.1"]  # fmt: skip
        for setting in settings:
            args += ["-c", setting]
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **self.as_user
            )

    def connect(self, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="dutyschool",
                                        dbname="postgres")  # fmt: skip
                conn.autocommit = True
                return conn
            except psycopg2.OperationalError:
                if time.monotonic() > deadline or (self.proc and self.proc.poll() is not None):
                    raise AssertionError(self.log.read_text()[-3000:]) from None
                time.sleep(0.3)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(2)  # SIGINT: fast shutdown
            self.proc.wait(timeout=60)


@pytest.fixture
def workdir():
    """A directory the postgres user can reach (pytest's own tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="dutyschool-pitr-"))
    os.chmod(path, 0o755)  # noqa: S103 - the postgres user must reach its directories
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_recovery_to_a_moment_keeps_what_came_before_and_drops_what_came_after(workdir):
    tmp_path = workdir
    archive, base, restored = tmp_path / "wal", tmp_path / "base", tmp_path / "restored"
    for path in (archive, base, restored):
        path.mkdir()
    documented = re.search(r"^archive_command = '(.+)'$", DOC, re.M)
    assert documented, "docs/deploy.md has the archive_command recipe"
    archive_command = documented.group(1).replace(DOC_ARCHIVE_DIR, str(archive))

    primary = Cluster(tmp_path / "primary", tmp_path / "primary.log")
    primary.data.mkdir()
    primary.own(primary.data, archive, base, restored)
    subprocess.run(
        [pg_bin("initdb"), "-D", str(primary.data), "-U", "dutyschool", "--auth=trust"],
        check=True, stdout=subprocess.DEVNULL, **primary.as_user,
    )  # fmt: skip
    primary.start("wal_level=replica", "archive_mode=on", f"archive_command={archive_command}")
    try:
        conn = primary.connect()
        with conn.cursor() as cursor:
            cursor.execute("CREATE TABLE duty_log (id serial PRIMARY KEY, text text)")
            cursor.execute("INSERT INTO duty_log (text) VALUES ('before the base backup')")
        subprocess.run(
            [pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U",
             "dutyschool", "-D", str(base), "-Ft", "-z", "-X", "fetch"],
            check=True, **primary.as_user,
        )  # fmt: skip
        with conn.cursor() as cursor:
            cursor.execute("INSERT INTO duty_log (text) VALUES ('kept: before the target')")
            time.sleep(1.1)
            cursor.execute("SELECT now()")
            target = cursor.fetchone()[0]
            time.sleep(1.1)
            cursor.execute("INSERT INTO duty_log (text) VALUES ('lost: after the target')")
            cursor.execute("SELECT pg_walfile_name(pg_switch_wal())")
            last = cursor.fetchone()[0]
            deadline = time.monotonic() + 60
            while not (archive / last).exists():
                assert time.monotonic() < deadline, "the WAL segment was never archived"
                time.sleep(0.3)
        conn.close()
    finally:
        primary.stop()

    # The documented recovery: base backup into an empty directory, restore_command,
    # recovery_target_time, recovery.signal.
    with tarfile.open(base / "base.tar.gz") as tar:
        tar.extractall(restored, filter="data")
    os.chmod(restored, 0o700)
    (restored / "recovery.signal").touch()
    primary.own(restored)
    copy = Cluster(restored, tmp_path / "restored.log")
    copy.start(
        f"restore_command=cp {archive}/%f %p",
        f"recovery_target_time={target.isoformat()}",
        "recovery_target_action=promote",
    )
    try:
        conn = copy.connect()
        deadline = time.monotonic() + 60
        while True:
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_is_in_recovery()")
                if not cursor.fetchone()[0]:
                    break
            assert time.monotonic() < deadline, copy.log.read_text()[-3000:]
            time.sleep(0.3)
        with conn.cursor() as cursor:
            cursor.execute("SELECT text FROM duty_log ORDER BY id")
            rows = [row[0] for row in cursor.fetchall()]
        conn.close()
    finally:
        copy.stop()
    assert rows == ["before the base backup", "kept: before the target"]
