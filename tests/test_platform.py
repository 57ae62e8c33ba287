"""The platform the product promises: PostgreSQL under test, Chinese first, aware time,
security headers, a clean deploy check, committed migrations and clean lint."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "0",
    "HTTPS": "1",
    "SECRET_KEY": "x7!kq9-production-like-secret-key-with-enough-entropy-0a9s8d7f6g5h4j3k",
    "ALLOWED_HOSTS": "duty.example.edu.cn",
    "DATABASE_URL": "postgres://duty:secret@db.example:5432/dutyschool",
    "CELERY_BROKER_URL": "redis://redis.example:6379/0",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db
def test_the_suite_runs_on_postgresql_not_sqlite():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 150000


def test_chinese_is_the_default_language_and_shanghai_the_default_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert "en" in dict(settings.LANGUAGES)
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert timezone.is_aware(timezone.now())


def test_celery_is_configured_not_to_lose_tasks_from_killed_workers():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    # Redis redelivers an unacknowledged task after the visibility timeout: minutes, not an hour.
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= 900


def test_the_deploy_check_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_malformed_boolean_setting_stops_start_up_loudly():
    result = run_manage("check", env={**PRODUCTION_ENV, "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


@pytest.mark.django_db
def test_migrations_are_committed_for_every_model_change():
    result = run_manage("makemigrations", "--check", "--dry-run", env={})
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_lint_clean():
    ruff = Path(sys.executable).with_name("ruff")
    check = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    fmt = subprocess.run([ruff, "format", "--check", "."], cwd=ROOT, capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/"])
def test_every_page_carries_csp_and_security_headers(client, cast, path):
    client.force_login(cast.teacher.user)
    response = client.get(path)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_page_template_contains_inline_script_or_style():
    offenders = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text()
        tags = re.findall(r"<script\b[^>]*>", text)
        offenders.extend(f"{path}: inline {tag}" for tag in tags if "src=" not in tag)
        if re.search(r"\sstyle=|<style\b|\son[a-z]+=", text):
            offenders.append(f"{path}: inline style or event handler")
    assert not offenders


@pytest.mark.django_db
def test_a_host_header_outside_allowed_hosts_is_refused(client):
    response = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
