"""Structured logs: request ids on every line and in every task, secrets masked."""

from __future__ import annotations

import json
import logging
import time

import pytest
from django.urls import reverse

from dutyschool.logs import JsonFormatter, RequestIdFilter, request_id_var

pytestmark = pytest.mark.django_db


def record(message: str, *args) -> logging.LogRecord:
    entry = logging.LogRecord("dutyschool.test", logging.WARNING, __file__, 1, message, args, None)
    RequestIdFilter().filter(entry)
    return entry


def test_every_response_carries_a_request_id(client):
    response = client.get(reverse("healthz"))
    assert len(response["X-Request-ID"]) == 32


def test_a_sane_request_id_from_the_proxy_is_kept_and_a_strange_one_replaced(client):
    kept = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="nginx-0123456789abcdef")
    assert kept["X-Request-ID"] == "nginx-0123456789abcdef"
    replaced = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="<script>\n")
    assert replaced["X-Request-ID"] != "<script>\n"


def test_a_json_line_has_time_level_logger_request_id_and_message():
    token = request_id_var.set("req-abcdef123456")
    try:
        line = json.loads(JsonFormatter().format(record("sent %s", "通知")))
    finally:
        request_id_var.reset(token)
    assert line["request_id"] == "req-abcdef123456"
    assert line["message"] == "sent 通知"
    assert line["level"] == "WARNING"
    assert line["ts"].endswith("+00:00")


@pytest.mark.parametrize(
    "message",
    [
        "POST /webhook?access_token=abc123def456&x=1",
        "config {'secret': 'SEC9f8e7d6c5b4a'}",
        'payload {"password": "duty2026"}',
        "dingtalk sign=Zm9vYmFyYmF6 timestamp=1",
    ],
)
def test_secrets_are_masked(message):
    text = JsonFormatter().format(record(message))
    for secret in ("abc123def456", "SEC9f8e7d6c5b4a", "duty2026", "Zm9vYmFyYmF6"):
        assert secret not in text
    assert "***" in text


def test_the_secret_key_never_appears(settings):
    text = JsonFormatter().format(record("settings dump %s", settings.SECRET_KEY))
    assert settings.SECRET_KEY not in text


@pytest.mark.django_db(transaction=True)
def test_a_task_published_while_handling_a_request_logs_with_that_requests_id(
    celery_worker_process,
):
    from dutyschool.queue import publish
    from notifications.models import Heartbeat
    from notifications.tasks import record_heartbeat

    token = request_id_var.set("req-0123456789abcdef")
    try:
        assert publish(record_heartbeat, "log-test")
    finally:
        request_id_var.reset(token)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        lines = [
            json.loads(line)
            for line in celery_worker_process.output().splitlines()
            if line.startswith("{")
        ]
        mine = [line for line in lines if line["request_id"] == "req-0123456789abcdef"]
        if mine and Heartbeat.objects.filter(name="log-test").exists():
            assert any("record_heartbeat" in line["message"] for line in mine)
            return
        time.sleep(0.2)
    pytest.fail(f"no worker log line with the request id:\n{celery_worker_process.output()}")
