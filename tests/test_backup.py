"""scripts/backup and scripts/restore: a seeded database survives the round trip exactly."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from django.core.management import call_command

from conftest import _test_database_url

ROOT = Path(__file__).resolve().parent.parent
# Tables whose content (not just row count) must come back byte for byte.
CHECKSUMMED = ["logbook_dutylog", "roster_assignment", "notifications_notice"]


def run(script: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def snapshot(url: str) -> dict[str, tuple[int, str | None]]:
    """Row count of every table, and a checksum of the listed tables' rows in id order."""
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        result = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from pg_tables)
            count = cursor.fetchone()[0]
            digest = None
            if table in CHECKSUMMED:
                cursor.execute(
                    f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) "  # noqa: S608
                    f'FROM "{table}" t'
                )
                digest = cursor.fetchone()[0]
            result[table] = (count, digest)
    return result


@pytest.fixture
def fresh_database():
    """An empty database on the same server, dropped afterwards."""
    source = _test_database_url()
    parts = urlsplit(source)
    name = parts.path.lstrip("/") + "_restored"
    admin = psycopg2.connect(source)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path="/" + name))
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_seeded_database_and_its_media_come_back_identical(tmp_path, fresh_database, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    media = tmp_path / "media"
    (media / "photos").mkdir(parents=True)
    (media / "photos" / "gate.jpg").write_bytes(b"\xff\xd8 not really a photo")
    source = _test_database_url()
    backup = run(
        "backup", env={"DATABASE_URL": source, "BACKUP_DIR": str(tmp_path / "b"),
                       "MEDIA_ROOT": str(media)},
    )  # fmt: skip
    assert backup.returncode == 0, backup.stderr
    dump, tarball = backup.stdout.split()
    restored_media = tmp_path / "restored-media"
    restore = run(
        "restore", dump, tarball,
        env={"DATABASE_URL": fresh_database, "MEDIA_ROOT": str(restored_media)},
    )  # fmt: skip
    assert restore.returncode == 0, restore.stderr
    before, after = snapshot(source), snapshot(fresh_database)
    assert after == before
    assert before["roster_assignment"][0] > 0  # the demo data really was there
    assert (restored_media / "photos" / "gate.jpg").read_bytes() == b"\xff\xd8 not really a photo"


def test_rotation_keeps_the_newest_backups(tmp_path):
    target = tmp_path / "b"
    target.mkdir()
    for day in ("20261101", "20261102", "20261103"):
        (target / f"dutyschool-{day}T020000Z.dump").write_bytes(b"old")
    result = run(
        "backup",
        env={"DATABASE_URL": os.environ["DATABASE_URL"], "BACKUP_DIR": str(target),
             "MEDIA_ROOT": str(tmp_path / "none"), "BACKUP_KEEP": "2"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    kept = sorted(p.name for p in target.glob("dutyschool-*.dump"))
    assert len(kept) == 2
    assert kept[0] == "dutyschool-20261103T020000Z.dump"  # the newest old one, and the new one


def test_a_truncated_dump_is_refused_before_touching_the_database(tmp_path):
    bad = tmp_path / "dutyschool-broken.dump"
    bad.write_bytes(b"PGDMP\x01\x0e truncated")
    result = run("restore", str(bad), env={"DATABASE_URL": os.environ["DATABASE_URL"]})
    assert result.returncode != 0
    assert "restored" not in result.stdout


def test_sqlite_is_refused_with_a_clear_message(tmp_path):
    result = run("backup", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert result.returncode == 2
    assert "only PostgreSQL" in result.stderr
