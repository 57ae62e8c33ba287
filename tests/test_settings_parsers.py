"""The environment parsers behind settings.py fail loudly on bad values."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from dutyschool.env import env_bool, env_int, env_list, parse_database_url

BASE = Path("/srv/dutyschool")


def test_a_postgres_url_becomes_a_django_database_entry():
    db = parse_database_url("postgres://duty:p%40ss@db.local:5433/dutyschool", base_dir=BASE)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == ("dutyschool", "duty", "p@ss")
    assert (db["HOST"], db["PORT"]) == ("db.local", "5433")


def test_a_postgres_url_may_name_a_socket_directory_and_options():
    db = parse_database_url(
        "postgresql://duty@/dutyschool?host=/run/postgresql&sslmode=require", base_dir=BASE
    )
    assert db["HOST"] == "/run/postgresql"
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_sqlite_paths_are_relative_to_the_project_or_absolute():
    assert (
        parse_database_url("sqlite:///var/x.db", base_dir=BASE)["NAME"]
        == "/srv/dutyschool/var/x.db"
    )
    assert parse_database_url("sqlite:////tmp/x.db", base_dir=BASE)["NAME"] == "/tmp/x.db"


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host/", "sqlite://", "nonsense"])
def test_an_unsupported_or_incomplete_database_url_is_refused(url):
    with pytest.raises(ImproperlyConfigured):
        parse_database_url(url, base_dir=BASE)


def test_booleans_integers_and_lists_are_parsed_strictly(monkeypatch):
    monkeypatch.setenv("X_BOOL", "Yes")
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_LIST", "a.example, b.example,,")
    assert env_bool("X_BOOL", False) is True
    assert env_int("X_INT", 0) == 12
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    monkeypatch.setenv("X_BOOL", "si")
    monkeypatch.setenv("X_INT", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_BOOL", False)
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 0)
